import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './paths';

/**
 * Every environment variable of the server's configuration contract (docs/operations.md).
 * A ConfigMap or compose key outside this list is a typo or an undocumented setting.
 * NODE_OPTIONS is Node's own (heap ceiling).
 */
export const KNOWN_ENV = new Set([
  'PORT',
  'HOST',
  'DATABASE_URL',
  'PUBLIC_BASE_URL',
  'BODY_LIMIT_BYTES',
  'LOG_LEVEL',
  'DB_MIGRATIONS_RUN',
  'DB_POOL_SIZE',
  'SHUTDOWN_GRACE_MS',
  'LIST_DEFAULT_LIMIT',
  'LIST_MAX_LIMIT',
  'HUB_MAX_ATTEMPTS',
  'HUB_RETRY_BASE_MS',
  'HUB_DELIVERY_TIMEOUT_MS',
  'HUB_CALLBACK_ALLOW',
  'AUTH_ENABLED',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE',
  'NODE_OPTIONS',
]);

/** Variables that carry credentials and therefore belong in a Secret, never a ConfigMap. */
export const SECRET_ENV = new Set(['DATABASE_URL']);

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';
export const METRICS_PATH = '/metrics';
export const APP_PORT = 8080;

/** Literal used when package.json has no start:prod script (it does on main since the app landed). */
const FALLBACK_START = 'node dist/apps/customer-management/src/main.js';

/** `npm run start:prod`'s command as argv, read from package.json. */
export function startProdArgv(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = pkg.scripts?.['start:prod'] ?? FALLBACK_START;
  return command.trim().split(/\s+/);
}
