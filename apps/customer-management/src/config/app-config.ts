import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';

import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { CallbackAllowList, parseCallbackAllow } from './callback-allow';
import { DatabaseSettings, parseDatabaseUrl } from './database-url';
import { EnvDto, HubTransport, LogLevel } from './env.dto';

/** Thrown when the environment is invalid; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

// A value of the wrong type also fails its bounds (`PORT=abc` is no integer, so neither >= 0 nor
// <= 65535): only the type is reported then, one message for one mistake.
const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString', 'isEnum', 'isIn', 'isUrl', 'isNumber'];

function oneProblemPerValue(constraints: Record<string, string>): string[] {
  const type = TYPE_CONSTRAINTS.find((name) => name in constraints);
  return type ? [constraints[type]] : Object.values(constraints);
}

export interface HttpSettings {
  corsOrigins: string[];
  rateLimitPerMinute: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  maxConnections: number;
}

export interface AuthSettings {
  enabled: boolean;
  jwksUrl?: string;
  publicKey?: string;
  issuer?: string;
  audience?: string;
  scopes: { read: string; write: string; hub: string };
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
  transport: HubTransport;
  /** HUB_TRANSPORT=nats only. */
  nats: NatsSettings | undefined;
}

/** The NATS JetStream transport (HUB_NATS_*; see docs/hub.md). */
export interface NatsSettings {
  servers: string[];
  stream: string;
  replicas: number;
  maxAgeMs: number;
  credsFile?: string;
  token?: string;
  user?: string;
  password?: string;
}

/** Bounds on every wait for MySQL/MariaDB (docs/operations.md, Database topologies). */
export interface DatabaseTimeouts {
  /** A statement unanswered after this fails and its connection is replaced. */
  statementMs: number;
  /** A wait for a free pooled connection fails after this. */
  acquireMs: number;
  /** A connection held longer than this is logged with its holder's stack (0: never). */
  leakDetectionMs: number;
}

/** DATABASE_READ_URL and its bounds: a replica for customer reads (docs/operations.md). */
/** SQLite token index merger (ADR 0007, "Segment merging"). */
export interface SqliteMergeSettings {
  /** FTS5 pages a pass merges at most (the `merge` command's N); 0: no merger. */
  readonly pages: number;
  /** Pause after a pass, doubled while write groups wait for passes. */
  readonly pauseMs: number;
  /** Merging resumes once this many segments more than when it converged are in the index. */
  readonly resumeSegments: number;
}

export interface ReadReplicaSettings {
  database: Extract<DatabaseSettings, { type: 'mysql' }>;
  poolSize: number;
  maxLagMs: number;
  waitMs: number;
}

/** The validated, typed configuration. Built once by `loadConfig`; nothing else reads the env. */
export class AppConfig {
  readonly port!: number;
  readonly host!: string;
  readonly database!: DatabaseSettings;
  /**
   * Absolute URL clients reach the routes under: PUBLIC_BASE_URL followed by API_PATH_PREFIX,
   * without a trailing slash. Every `href`, `Location` and `Link` starts with it.
   */
  readonly publicBaseUrl!: string;
  /** API_PATH_PREFIX: every route is served under it ('' = at the root). */
  readonly apiPathPrefix!: string;
  readonly bodyLimitBytes!: number;
  readonly logLevel!: LogLevel;
  readonly migrationsRun!: boolean;
  readonly dbPoolSize!: number;
  /** DB_STATEMENT_TIMEOUT_MS and DB_ACQUIRE_TIMEOUT_MS (MySQL/MariaDB pools). */
  readonly dbTimeouts!: DatabaseTimeouts;
  /** MySQL/MariaDB write groups at once (0: none); undefined: derived from the pool size. */
  readonly dbWriteGroups?: number;
  /** Absent without DATABASE_READ_URL: every read goes to DATABASE_URL. */
  readonly readReplica?: ReadReplicaSettings;
  readonly sqliteReadConnections!: number;
  /** SQLite read worker threads (0: reads on the event loop's thread). */
  readonly sqliteReadWorkers!: number;
  /** SQLite: a list shape dearer than this (ms of statements on the event loop) runs on a worker. */
  readonly sqliteReadOffloadMs!: number;
  /** SQLite: the write connection on a thread of its own (ADR 0012). */
  readonly sqliteWriterThread!: boolean;
  /** SQLite token index merger (pages 0: none). */
  readonly sqliteMerge!: SqliteMergeSettings;
  /** A counted token found held by at least this many customers gets a kept count (SQLite). */
  readonly tokenCountMin!: number;
  readonly listDefaultLimit!: number;
  readonly listMaxLimit!: number;
  /** Signs keyset cursors: CURSOR_SECRET, or a random key of this process (`generated`). */
  readonly cursorSecret!: { readonly key: string; readonly generated: boolean };
  readonly shutdownGraceMs!: number;
  readonly http!: HttpSettings;
  readonly auth!: AuthSettings;
  readonly hub!: HubSettings;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

/** The cursor key when CURSOR_SECRET is unset: random, one per process. */
const PROCESS_CURSOR_KEY = randomBytes(32).toString('base64');

// Variables without a default are not own keys of a fresh EnvDto; list them here.
const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_READ_URL',
  'PUBLIC_BASE_URL',
  'API_PATH_PREFIX',
  'CORS_ORIGINS',
  'AUTH_JWKS_URL',
  'AUTH_PUBLIC_KEY',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'HUB_ADMIN_TOKEN',
  'CURSOR_SECRET',
  'HUB_NATS_URL',
  'HUB_NATS_CREDS_FILE',
  'HUB_NATS_TOKEN',
  'HUB_NATS_USER',
  'HUB_NATS_PASSWORD',
];

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.fromEntries(
    Object.keys(new EnvDto())
      .concat(OPTIONAL_VARIABLES)
      .map((k) => [k, env[k]]),
  );
  const defined = Object.fromEntries(
    Object.entries(known).filter(([, v]) => v !== undefined && v !== ''),
  );
  const dto = plainToInstance(EnvDto, defined);
  const problems = validateSync(dto).flatMap((e) =>
    oneProblemPerValue(e.constraints ?? {}).map(
      (m) => `${e.property}=${JSON.stringify(defined[e.property])}: ${m}`,
    ),
  );
  let database: DatabaseSettings | undefined;
  try {
    database = parseDatabaseUrl(dto.DATABASE_URL);
  } catch (err) {
    problems.push((err as Error).message);
  }
  let readReplica: ReadReplicaSettings | undefined;
  if (dto.DATABASE_READ_URL !== undefined) {
    try {
      const replica = parseDatabaseUrl(dto.DATABASE_READ_URL);
      if (replica.type !== 'mysql' || database?.type !== 'mysql') {
        throw new Error(
          'DATABASE_READ_URL: a mysql:// (or mariadb://) replica of a mysql:// DATABASE_URL',
        );
      }
      readReplica = {
        database: replica,
        poolSize: dto.DB_READ_POOL_SIZE,
        maxLagMs: dto.DB_READ_MAX_LAG_MS,
        waitMs: dto.DB_READ_WAIT_MS,
      };
    } catch (err) {
      problems.push((err as Error).message.replace(/^DATABASE_URL/, 'DATABASE_READ_URL'));
    }
  }
  if (dto.LIST_DEFAULT_LIMIT > dto.LIST_MAX_LIMIT) {
    problems.push('LIST_DEFAULT_LIMIT must not exceed LIST_MAX_LIMIT');
  }
  if (dto.AUTH_ENABLED) {
    if (!dto.AUTH_JWKS_URL === !dto.AUTH_PUBLIC_KEY) {
      problems.push('AUTH_ENABLED=true needs exactly one of AUTH_JWKS_URL or AUTH_PUBLIC_KEY');
    }
    if (!dto.AUTH_ISSUER || !dto.AUTH_AUDIENCE) {
      problems.push('AUTH_ENABLED=true needs AUTH_ISSUER and AUTH_AUDIENCE');
    }
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
  if (dto.HTTP_HEADERS_TIMEOUT_MS > dto.HTTP_REQUEST_TIMEOUT_MS) {
    // The request deadline would cut the headers first: the larger value would be a lie.
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  // A database wait must end before the request deadline, or the client is cut off instead of
  // getting its 503. Unset, they follow a lowered HTTP_REQUEST_TIMEOUT_MS (half of it at most).
  const dbWaitMs = (name: 'DB_STATEMENT_TIMEOUT_MS' | 'DB_ACQUIRE_TIMEOUT_MS'): number => {
    if (defined[name] === undefined) {
      return Math.max(100, Math.min(dto[name], Math.floor(dto.HTTP_REQUEST_TIMEOUT_MS / 2)));
    }
    if (dto[name] >= dto.HTTP_REQUEST_TIMEOUT_MS) {
      problems.push(`${name} must be less than HTTP_REQUEST_TIMEOUT_MS`);
    }
    return dto[name];
  };
  const dbTimeouts = {
    statementMs: dbWaitMs('DB_STATEMENT_TIMEOUT_MS'),
    acquireMs: dbWaitMs('DB_ACQUIRE_TIMEOUT_MS'),
    leakDetectionMs: dto.DB_LEAK_DETECTION_MS,
  };
  if (dto.HUB_SUBSCRIBER_CONCURRENCY > dto.HUB_CONCURRENCY) {
    problems.push('HUB_SUBSCRIBER_CONCURRENCY must not exceed HUB_CONCURRENCY');
  }
  const nats = dto.HUB_TRANSPORT === 'nats' ? natsSettings(dto, problems) : undefined;
  if (problems.length > 0 || !database || !callbackAllow) {
    throw new ConfigError(problems);
  }
  const apiPathPrefix = dto.API_PATH_PREFIX ?? '';
  const publicBaseUrl =
    (dto.PUBLIC_BASE_URL ?? `http://localhost:${dto.PORT}`).replace(/\/+$/, '') + apiPathPrefix;
  return new AppConfig({
    port: dto.PORT,
    host: dto.HOST,
    database,
    publicBaseUrl,
    apiPathPrefix,
    bodyLimitBytes: dto.BODY_LIMIT_BYTES,
    logLevel: dto.LOG_LEVEL,
    migrationsRun: dto.DB_MIGRATIONS_RUN,
    dbPoolSize: dto.DB_POOL_SIZE,
    dbTimeouts,
    dbWriteGroups: dto.DB_WRITE_GROUPS,
    readReplica,
    sqliteReadConnections: dto.SQLITE_READ_CONNECTIONS,
    sqliteReadWorkers: dto.SQLITE_READ_WORKERS,
    sqliteReadOffloadMs: dto.SQLITE_READ_OFFLOAD_MS,
    sqliteWriterThread: dto.SQLITE_WRITER_THREAD,
    sqliteMerge: {
      pages: dto.SQLITE_MERGE_PAGES,
      pauseMs: dto.SQLITE_MERGE_PAUSE_MS,
      resumeSegments: dto.SQLITE_MERGE_RESUME_SEGMENTS,
    },
    tokenCountMin: dto.TOKEN_COUNT_MIN,
    listDefaultLimit: dto.LIST_DEFAULT_LIMIT,
    listMaxLimit: dto.LIST_MAX_LIMIT,
    cursorSecret: dto.CURSOR_SECRET
      ? { key: dto.CURSOR_SECRET, generated: false }
      : { key: PROCESS_CURSOR_KEY, generated: true },
    shutdownGraceMs: dto.SHUTDOWN_GRACE_MS,
    http: {
      corsOrigins: (dto.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
      rateLimitPerMinute: dto.RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: dto.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: dto.HTTP_KEEPALIVE_TIMEOUT_MS,
      headersTimeoutMs: dto.HTTP_HEADERS_TIMEOUT_MS,
      maxConnections: dto.HTTP_MAX_CONNECTIONS,
    },
    auth: {
      enabled: dto.AUTH_ENABLED,
      jwksUrl: dto.AUTH_JWKS_URL,
      publicKey: dto.AUTH_PUBLIC_KEY,
      issuer: dto.AUTH_ISSUER,
      audience: dto.AUTH_AUDIENCE,
      scopes: { read: dto.AUTH_SCOPE_READ, write: dto.AUTH_SCOPE_WRITE, hub: dto.AUTH_SCOPE_HUB },
    },
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
      transport: dto.HUB_TRANSPORT,
      nats,
    },
  });
}

/** HUB_TRANSPORT=nats: the servers, the stream and at most one way to authenticate. */
function natsSettings(dto: EnvDto, problems: string[]): NatsSettings | undefined {
  const servers = (dto.HUB_NATS_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (servers.length === 0) {
    problems.push('HUB_TRANSPORT=nats needs HUB_NATS_URL');
  }
  for (const server of servers) {
    let protocol = '';
    try {
      protocol = new URL(server).protocol;
    } catch {
      // reported below
    }
    if (!['nats:', 'tls:'].includes(protocol)) {
      problems.push(`HUB_NATS_URL: "${server}" is not a nats:// or tls:// URL`);
    }
  }
  const ways = [dto.HUB_NATS_CREDS_FILE, dto.HUB_NATS_TOKEN, dto.HUB_NATS_USER].filter(
    (v) => v !== undefined,
  );
  if (ways.length > 1) {
    problems.push('HUB_NATS_CREDS_FILE, HUB_NATS_TOKEN and HUB_NATS_USER are exclusive');
  }
  if ((dto.HUB_NATS_USER === undefined) !== (dto.HUB_NATS_PASSWORD === undefined)) {
    problems.push('HUB_NATS_USER and HUB_NATS_PASSWORD go together');
  }
  if (dto.HUB_NATS_CREDS_FILE !== undefined) {
    try {
      accessSync(dto.HUB_NATS_CREDS_FILE, constants.R_OK);
    } catch {
      problems.push(`HUB_NATS_CREDS_FILE: cannot read ${dto.HUB_NATS_CREDS_FILE}`);
    }
  }
  return {
    servers,
    stream: dto.HUB_NATS_STREAM,
    replicas: dto.HUB_NATS_REPLICAS,
    maxAgeMs: dto.HUB_NATS_MAX_AGE_S * 1000,
    credsFile: dto.HUB_NATS_CREDS_FILE,
    token: dto.HUB_NATS_TOKEN,
    user: dto.HUB_NATS_USER,
    password: dto.HUB_NATS_PASSWORD,
  };
}
