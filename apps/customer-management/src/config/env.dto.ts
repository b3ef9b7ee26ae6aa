import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

import { COUNTED_MIN } from '@app/tmf-query';

/**
 * Four workers, started on demand: only lists measured dearer than SQLITE_READ_OFFLOAD_MS run there
 * (each worker is a V8 isolate of ~27 MB of RSS, and a single-lookup list costs more CPU behind the
 * hop than on the event loop), so a database whose lists are all cheap starts none. On a large one
 * four workers cut the 15 % filter's p99 at 1M from 539 to 144 ms (docs/performance.md, ADR 0011).
 */
const DEFAULT_SQLITE_READ_WORKERS = 4;

/** A list shape measured above this many ms of statements on the event loop moves to a worker. */
const DEFAULT_SQLITE_READ_OFFLOAD_MS = 1;

/** Chosen by measurement (docs/performance.md, ADR 0012). */
const DEFAULT_SQLITE_WRITER_THREAD = false;

/** The token index merger's pages per pass (ADR 0007, "Segment merging"; 0: off). */
const DEFAULT_SQLITE_MERGE_PAGES = 64;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') {
    return value;
  }
  const v = value.trim().toLowerCase();
  return ['true', '1', 'yes'].includes(v) ? true : ['false', '0', 'no'].includes(v) ? false : value;
};

/** One or more `/segment`s of RFC 3986 unreserved characters; no `.`/`..` segment, no trailing `/`. */
export const API_PATH_PREFIX_PATTERN = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

export const HUB_TRANSPORTS = ['db', 'nats'] as const;
export type HubTransport = (typeof HUB_TRANSPORTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every environment variable the server reads, with its default. Validated once at start-up. */
export class EnvDto {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '0.0.0.0';

  /** Unset: SQLite file ./data/customers.sqlite. `sqlite:<path>`, `sqlite::memory:`, `mysql://...`. */
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  /** Base of every `href`; default `http://localhost:<PORT>`. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  /**
   * Path every route is served under, e.g. `/r1-customermanagement` (an ODA Canvas gateway forwards
   * `/<release>-<component>/...` without rewriting it). Unset or empty: routes at the root.
   */
  @IsOptional()
  @MaxLength(200)
  @Matches(API_PATH_PREFIX_PATTERN, {
    message:
      "API_PATH_PREFIX must be empty or '/segment' repeated, each segment of letters, digits, '-', '_', '.', '~' not starting with '.', without a trailing slash (e.g. /r1-customermanagement)",
  })
  API_PATH_PREFIX?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(toBool)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  /**
   * MySQL/MariaDB: a statement with no answer after this fails (503 DATABASE_UNAVAILABLE) and its
   * connection is replaced, so a node that stopped answering cannot hold requests or background
   * work. Migrations are exempt (index builds may take minutes). SQLite: a read statement still
   * scanning after this (per-row regex or residual checks) is stopped by its clock, the same 503.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 10000;

  /** MySQL/MariaDB: a request waiting longer than this for a free pooled connection gets a 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_ACQUIRE_TIMEOUT_MS = 10000;

  /**
   * MySQL/MariaDB: a pooled connection held longer than this is logged once, with the stack that
   * took it (a leak or a stuck holder starves the pool); 0 turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DB_LEAK_DETECTION_MS = 60000;

  /**
   * MySQL/MariaDB: write transactions running at once, each committing the writes that waited for
   * it together (a write group); 0 runs each write in its own transaction. Default: a fifth of
   * DB_POOL_SIZE, at least 1.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(200)
  DB_WRITE_GROUPS?: number;

  /** Optional: a replica (mysql:// URL) that serves customer GETs and lists (docs/operations.md). */
  @IsOptional()
  @IsString()
  DATABASE_READ_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_READ_POOL_SIZE = 10;

  /** A replica further behind the primary than this is taken out of reads until it catches up. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DB_READ_MAX_LAG_MS = 5000;

  /**
   * How long a read presenting a consistency token waits for the replica to apply that write before
   * it is served by the primary instead.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  DB_READ_WAIT_MS = 250;

  /**
   * SQLite: read-only connections beside the one writer, so reads never wait for a write
   * transaction; each read holds one for its statements (one snapshot).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  SQLITE_READ_CONNECTIONS = 4;

  /**
   * SQLite: worker threads, each with one read-only connection, that run the reads off the event
   * loop (0: the SQLITE_READ_CONNECTIONS connections on the event loop's thread instead).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(64)
  SQLITE_READ_WORKERS = DEFAULT_SQLITE_READ_WORKERS;

  /**
   * SQLite with read workers: a list shape (its filter's paths and operators, sort and page kind)
   * whose statements took more than this on the event loop in each of its last three lists runs on
   * a worker from then on; cheaper ones stay on the event loop. 0: every list on a worker.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  SQLITE_READ_OFFLOAD_MS = DEFAULT_SQLITE_READ_OFFLOAD_MS;

  /**
   * SQLite: the write connection on a thread of its own (ADR 0012); false: on the event loop's
   * thread. An in-memory database always writes on the event loop's thread.
   */
  @Transform(toBool)
  @IsBoolean()
  SQLITE_WRITER_THREAD = DEFAULT_SQLITE_WRITER_THREAD;

  /**
   * SQLite: FTS5 pages the token index merger merges per pass, on its own thread and connection
   * (0: no merger; FTS5's automerge alone). Each pass is a write transaction that a write group
   * arriving meanwhile waits for (ADR 0007, "Segment merging").
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(4096)
  SQLITE_MERGE_PAGES = DEFAULT_SQLITE_MERGE_PAGES;

  /** SQLite: the merger's pause after each pass (doubled, up to 2 s, while writes wait for passes). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  SQLITE_MERGE_PAUSE_MS = 20;

  /** SQLite: a merged token index is merged again once it has this many segments more. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SQLITE_MERGE_RESUME_SEGMENTS = 4;

  /**
   * A value that a list finds at least this many customers hold gets its count kept with the
   * index from then on (SQLite: ADR 0007, "Kept counts of common tokens"; MySQL/MariaDB but Galera:
   * ADR 0008, "Keys promoted while serving").
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  TOKEN_COUNT_MIN = COUNTED_MIN;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  LIST_DEFAULT_LIMIT = 100;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  LIST_MAX_LIMIT = 1000;

  /**
   * Key that signs the keyset cursors of list pages (the Link header's next/prev). Unset: a random
   * key per process, so a cursor works only on the process that issued it, until it restarts;
   * replicas serving the same clients need one shared value. A secret.
   */
  @IsOptional()
  @IsString()
  @MinLength(32)
  CURSOR_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600000)
  SHUTDOWN_GRACE_MS = 10000;

  // --- HTTP hardening and operations -------------------------------------------------------

  /** Comma-separated allowed CORS origins (`*` for any); empty disables CORS. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  /** Requests per minute per client address; 0 disables the limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 0;

  /** Whole-request deadline (slow bodies included); 408 after it. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  /** Idle keep-alive connections are closed after this. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_KEEPALIVE_TIMEOUT_MS = 72000;

  /** Time allowed for a client to send the request headers. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_HEADERS_TIMEOUT_MS = 20000;

  /** Open connections per process; beyond it new ones are closed at once (slow-client floods). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_MAX_CONNECTIONS = 10000;

  // --- OAuth2 bearer authentication (off by default) --------------------------------------

  @Transform(toBool)
  @IsBoolean()
  AUTH_ENABLED = false;

  /** JWKS endpoint of the authorization server (or AUTH_PUBLIC_KEY). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string;

  /** A PEM public key (SPKI) used instead of a JWKS URL. */
  @IsOptional()
  @IsString()
  AUTH_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  AUTH_ISSUER?: string;

  @IsOptional()
  @IsString()
  AUTH_AUDIENCE?: string;

  @IsString()
  AUTH_SCOPE_READ = 'customer:read';

  @IsString()
  AUTH_SCOPE_WRITE = 'customer:write';

  @IsString()
  AUTH_SCOPE_HUB = 'hub:manage';

  // Hub (event subscriptions and delivery); see docs/hub.md.

  /** Attempts per delivery (the first included) before it becomes a dead letter. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  HUB_MAX_ATTEMPTS = 16;

  /** Back-off before the second attempt; doubles per attempt (with jitter) up to HUB_RETRY_MAX_MS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600000)
  HUB_RETRY_BASE_MS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400000)
  HUB_RETRY_MAX_MS = 3600000;

  /** Time allowed for one POST to a callback (connect, send, response headers). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300000)
  HUB_DELIVERY_TIMEOUT_MS = 10000;

  /**
   * How long a claimed delivery stays invisible to other dispatchers; a crashed replica's claims
   * come back after it. Must exceed HUB_DELIVERY_TIMEOUT_MS.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  HUB_LEASE_MS = 30000;

  /** How often the dispatcher looks for due deliveries besides being woken by new events. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600000)
  HUB_POLL_INTERVAL_MS = 1000;

  /** false: this process writes the outbox but delivers nothing (API-only replicas). */
  @Transform(toBool)
  @IsBoolean()
  HUB_DISPATCH_ENABLED = true;

  /** Deliveries in flight per process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  HUB_CONCURRENCY = 32;

  /** Deliveries in flight per subscription per process (a slow subscriber holds at most this many). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  HUB_SUBSCRIBER_CONCURRENCY = 4;

  /** Comma-separated hosts (`name`, `*.suffix`) or IP/CIDR ranges callbacks may reach beyond the default policy. */
  @IsString()
  HUB_CALLBACK_ALLOW = '';

  /** When set, /hub-admin exists and requires `Authorization: Bearer <token>` (closed without it, unless AUTH_ENABLED). */
  @IsOptional()
  @IsString()
  HUB_ADMIN_TOKEN?: string;

  /** `db`: deliveries queued and claimed in the database; `nats`: relayed to NATS JetStream (ADR 0010). */
  @IsIn(HUB_TRANSPORTS)
  HUB_TRANSPORT: HubTransport = 'db';

  /** HUB_TRANSPORT=nats: comma-separated NATS server URLs (`nats://host:4222`, `tls://...`). */
  @IsOptional()
  @IsString()
  HUB_NATS_URL?: string;

  /** The JetStream stream the events are relayed to (its subject is `<stream>.events`). */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'letters, digits, _ and - only (1-64)' })
  HUB_NATS_STREAM = 'TMF629_HUB';

  /** Stream replicas in the NATS cluster (1, or 3 or 5 for a cluster that survives node loss). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5)
  HUB_NATS_REPLICAS = 1;

  /** How long the stream keeps events (seconds): a subscriber may be down this long without loss. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(31536000)
  HUB_NATS_MAX_AGE_S = 604800;

  /** NATS credentials: a `.creds` file (JWT and NKey seed), or a token, or a user and password. */
  @IsOptional()
  @IsString()
  HUB_NATS_CREDS_FILE?: string;

  @IsOptional()
  @IsString()
  HUB_NATS_TOKEN?: string;

  @IsOptional()
  @IsString()
  HUB_NATS_USER?: string;

  @IsOptional()
  @IsString()
  HUB_NATS_PASSWORD?: string;
}
