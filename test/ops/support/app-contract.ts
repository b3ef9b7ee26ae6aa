import 'reflect-metadata';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { EnvDto } from '@server/config/env.dto';

import { REPO_ROOT } from './paths';

/**
 * Every environment variable of the server's configuration contract: the properties of `EnvDto`
 * (the one place config is declared and validated), plus NODE_OPTIONS (Node's own, heap ceiling).
 * A ConfigMap or compose key outside this set is a typo or an undocumented setting.
 */
export const KNOWN_ENV: ReadonlySet<string> = new Set([
  ...getMetadataStorage()
    .getTargetValidationMetadatas(EnvDto, '', true, false)
    .map((m) => m.propertyName),
  'NODE_OPTIONS',
]);

/** Variables that carry credentials and therefore belong in a Secret, never a ConfigMap. */
export const SECRET_ENV = new Set([
  'DATABASE_URL',
  'HUB_ADMIN_TOKEN',
  'HUB_NATS_TOKEN',
  'HUB_NATS_PASSWORD',
]);

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';
export const METRICS_PATH = '/metrics';
export const APP_PORT = 8080;

/** Literal used when package.json has no start:prod script (it does on main since the app landed). */
const FALLBACK_START = 'node dist/apps/customer-management/src/main.js';

/** `npm run start:prod`'s command as words, read from package.json. */
function startProdWords(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = pkg.scripts?.['start:prod'] ?? FALLBACK_START;
  return command.trim().split(/\s+/);
}

const ASSIGNMENT = /^[A-Z_][A-Z0-9_]*=/;

/** `npm run start:prod`'s command as argv, without the environment assignments that lead it. */
export function startProdArgv(): string[] {
  const words = startProdWords();
  const first = words.findIndex((word) => !ASSIGNMENT.test(word));
  return words.slice(first);
}

/** The environment assignments leading `npm run start:prod` (`NAME=value`, e.g. MALLOC_ARENA_MAX). */
export function startProdEnv(): string[] {
  const words = startProdWords();
  const first = words.findIndex((word) => !ASSIGNMENT.test(word));
  return words.slice(0, first);
}
