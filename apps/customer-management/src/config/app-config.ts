import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { DatabaseSettings, parseDatabaseUrl } from './database-url';
import { EnvDto, LogLevel } from './env.dto';

/** Thrown when the environment is invalid; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
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

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.fromEntries(
    Object.keys(new EnvDto())
      .concat('DATABASE_URL', 'PUBLIC_BASE_URL')
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
  if (problems.length > 0 || !database) {
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
  });
}
