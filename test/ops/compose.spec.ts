// Structure of docker/compose.yaml (no Docker engine or compose CLI here): parsed with `yaml`,
// variables interpolated the way compose does with an empty environment (defaults apply).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parse } from 'yaml';

import { loadConfig } from '@server/config/app-config';

import { APP_PORT, KNOWN_ENV } from './support/app-contract';
import { durationMs } from './support/dockerfile';
import { COMPOSE_FILE, DOCKERFILE, REPO_ROOT } from './support/paths';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number };
  ports?: string[];
  volumes?: string[];
  user?: string;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Compose-style interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR, $$. */
function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?)-([^}]*))?\}|\$(\w+)/g,
    (whole, name?: string, colon?: string, fallback?: string, bare?: string) => {
      if (whole === '$$') {
        return '$';
      }
      const key = name ?? bare ?? '';
      const current = env[key];
      if (fallback !== undefined && (current === undefined || (colon === ':' && current === ''))) {
        return fallback;
      }
      return current ?? '';
    },
  );
}

const raw = readFileSync(COMPOSE_FILE, 'utf8');
const compose = parse(raw) as ComposeFile;
const app = compose.services['customer-management'];
const mysql = compose.services.mysql;
const appEnv = Object.fromEntries(
  Object.entries(app?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
);
const mysqlEnv = Object.fromEntries(
  Object.entries(mysql?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
);

describe('docker/compose.yaml', () => {
  it('defines the server and MySQL services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['customer-management', 'mysql']);
  });

  it('runs MySQL 8 on a named volume with a mysqladmin ping healthcheck', () => {
    expect(mysql.image).toMatch(/^mysql:8(\.\d+)*$/);
    const dataVolume = mysql.volumes?.find((v) => v.endsWith(':/var/lib/mysql'));
    expect(dataVolume).toBeDefined();
    const volumeName = dataVolume?.split(':')[0] ?? '';
    expect(volumeName).toMatch(/^[a-z][\w-]*$/); // a name, not a host path
    expect(Object.keys(compose.volumes ?? {})).toContain(volumeName);
    const test = mysql.healthcheck?.test ?? [];
    expect(test[0]).toBe('CMD');
    expect(test.slice(1, 3)).toEqual(['mysqladmin', 'ping']);
    expect(mysql.healthcheck?.interval).toBeDefined();
    expect(mysql.healthcheck?.retries).toBeGreaterThan(0);
  });

  it('starts the server only once MySQL is healthy', () => {
    expect(app.depends_on?.mysql?.condition).toBe('service_healthy');
  });

  it('builds the server from the repository root with docker/Dockerfile', () => {
    const context = resolve(dirname(COMPOSE_FILE), app.build?.context ?? '.');
    expect(context).toBe(REPO_ROOT);
    const dockerfile = resolve(context, app.build?.dockerfile ?? 'Dockerfile');
    expect(dockerfile).toBe(DOCKERFILE);
    expect(existsSync(dockerfile)).toBe(true);
  });

  it('publishes port 8080, the port the server listens on', () => {
    expect(app.ports).toContain(`${APP_PORT}:${APP_PORT}`);
    expect(Number(appEnv.PORT)).toBe(APP_PORT);
  });

  it('points DATABASE_URL at the MySQL service with its database and credentials', () => {
    const url = new URL(appEnv.DATABASE_URL);
    expect(url.protocol).toBe('mysql:');
    expect(url.hostname).toBe('mysql');
    expect(Number(url.port || 3306)).toBe(3306);
    expect(url.pathname).toBe(`/${mysqlEnv.MYSQL_DATABASE}`);
    expect(decodeURIComponent(url.username)).toBe(mysqlEnv.MYSQL_USER);
    expect(decodeURIComponent(url.password)).toBe(mysqlEnv.MYSQL_PASSWORD);
    // Overridable from the environment or .env, with the same variable on both sides.
    const password = 'from-the-environment';
    const env = { MYSQL_PASSWORD: password };
    expect(interpolate(String(mysql.environment?.MYSQL_PASSWORD), env)).toBe(password);
    expect(new URL(interpolate(String(app.environment?.DATABASE_URL), env)).password).toBe(
      password,
    );
  });

  it('passes only documented settings, which the server accepts (its own loadConfig)', () => {
    expect(Object.keys(appEnv).filter((k) => !KNOWN_ENV.has(k))).toEqual([]);
    const config = loadConfig(appEnv);
    expect(config.database.type).toBe('mysql');
    expect(config.port).toBe(APP_PORT);
  });

  it('gives the server longer than SHUTDOWN_GRACE_MS to stop before SIGKILL', () => {
    expect(durationMs(app.stop_grace_period ?? '10s')).toBeGreaterThan(
      Number(appEnv.SHUTDOWN_GRACE_MS),
    );
  });

  it('runs the server hardened like in Kubernetes', () => {
    expect(app.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(app.read_only).toBe(true);
    expect(app.tmpfs).toContain('/tmp');
    expect(app.cap_drop).toContain('ALL');
    expect(app.security_opt).toContain('no-new-privileges:true');
  });
});
