import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { CallbackAllowList, parseCallbackAllow } from './callback-allow';
import { DatabaseSettings, parseDatabaseUrl } from './database-url';
import { EnvDto, LogLevel } from './env.dto';

/** Thrown when the environment is invalid; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Hub delivery settings (the HUB_* variables; see docs/hub.md). */
export interface HubSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  deliveryTimeoutMs: number;
  leaseMs: number;
  pollIntervalMs: number;
  dispatchEnabled: boolean;
  concurrency: number;
  subscriberConcurrency: number;
  callbackAllow: CallbackAllowList;
  adminToken: string | undefined;
}

/** The validated, typed configuration. Built once by `loadConfig`; nothing else reads the env. */
export class AppConfig {
  readonly port!: number;
  readonly host!: string;
  readonly database!: DatabaseSettings;
  /** Absolute base URL of every `href`, without a trailing slash. */
  readonly publicBaseUrl!: string;
  readonly bodyLimitBytes!: number;
  readonly logLevel!: LogLevel;
  readonly migrationsRun!: boolean;
  readonly dbPoolSize!: number;
  readonly listDefaultLimit!: number;
  readonly listMaxLimit!: number;
  readonly shutdownGraceMs!: number;
  readonly hub!: HubSettings;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.fromEntries(
    Object.keys(new EnvDto())
      .concat('DATABASE_URL', 'PUBLIC_BASE_URL', 'HUB_ADMIN_TOKEN')
      .map((k) => [k, env[k]]),
  );
  const defined = Object.fromEntries(
    Object.entries(known).filter(([, v]) => v !== undefined && v !== ''),
  );
  const dto = plainToInstance(EnvDto, defined);
  const problems = validateSync(dto).flatMap((e) =>
    Object.values(e.constraints ?? {}).map(
      (m) => `${e.property}=${JSON.stringify(defined[e.property])}: ${m}`,
    ),
  );
  let database: DatabaseSettings | undefined;
  try {
    database = parseDatabaseUrl(dto.DATABASE_URL);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (dto.LIST_DEFAULT_LIMIT > dto.LIST_MAX_LIMIT) {
    problems.push('LIST_DEFAULT_LIMIT must not exceed LIST_MAX_LIMIT');
  }
  let callbackAllow: CallbackAllowList | undefined;
  try {
    callbackAllow = parseCallbackAllow(dto.HUB_CALLBACK_ALLOW);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (dto.HUB_LEASE_MS < dto.HUB_DELIVERY_TIMEOUT_MS + 1000) {
    problems.push('HUB_LEASE_MS must exceed HUB_DELIVERY_TIMEOUT_MS by at least 1000');
  }
  if (dto.HUB_RETRY_BASE_MS > dto.HUB_RETRY_MAX_MS) {
    problems.push('HUB_RETRY_BASE_MS must not exceed HUB_RETRY_MAX_MS');
  }
  if (dto.HUB_SUBSCRIBER_CONCURRENCY > dto.HUB_CONCURRENCY) {
    problems.push('HUB_SUBSCRIBER_CONCURRENCY must not exceed HUB_CONCURRENCY');
  }
  if (problems.length > 0 || !database || !callbackAllow) {
    throw new ConfigError(problems);
  }
  const publicBaseUrl = (dto.PUBLIC_BASE_URL ?? `http://localhost:${dto.PORT}`).replace(/\/+$/, '');
  return new AppConfig({
    port: dto.PORT,
    host: dto.HOST,
    database,
    publicBaseUrl,
    bodyLimitBytes: dto.BODY_LIMIT_BYTES,
    logLevel: dto.LOG_LEVEL,
    migrationsRun: dto.DB_MIGRATIONS_RUN,
    dbPoolSize: dto.DB_POOL_SIZE,
    listDefaultLimit: dto.LIST_DEFAULT_LIMIT,
    listMaxLimit: dto.LIST_MAX_LIMIT,
    shutdownGraceMs: dto.SHUTDOWN_GRACE_MS,
    hub: {
      maxAttempts: dto.HUB_MAX_ATTEMPTS,
      retryBaseMs: dto.HUB_RETRY_BASE_MS,
      retryMaxMs: dto.HUB_RETRY_MAX_MS,
      deliveryTimeoutMs: dto.HUB_DELIVERY_TIMEOUT_MS,
      leaseMs: dto.HUB_LEASE_MS,
      pollIntervalMs: dto.HUB_POLL_INTERVAL_MS,
      dispatchEnabled: dto.HUB_DISPATCH_ENABLED,
      concurrency: dto.HUB_CONCURRENCY,
      subscriberConcurrency: dto.HUB_SUBSCRIBER_CONCURRENCY,
      callbackAllow,
      adminToken: dto.HUB_ADMIN_TOKEN,
    },
  });
}
