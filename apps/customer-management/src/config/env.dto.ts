import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') {
    return value;
  }
  const v = value.trim().toLowerCase();
  return ['true', '1', 'yes'].includes(v) ? true : ['false', '0', 'no'].includes(v) ? false : value;
};

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
}
