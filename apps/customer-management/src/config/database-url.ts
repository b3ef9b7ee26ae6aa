import { isAbsolute, resolve } from 'node:path';

export type DatabaseSettings =
  | { type: 'sqlite'; file: string }
  | {
      type: 'mysql';
      host: string;
      port: number;
      username: string;
      password: string;
      database: string;
    };

export const DEFAULT_SQLITE_FILE = 'data/customers.sqlite';

/**
 * Reads `DATABASE_URL`: unset → SQLite under ./data; `sqlite:<path>` (absolute or relative to the
 * working directory); `sqlite::memory:`; `mysql://user:pass@host:port/db` (also `mariadb://`).
 * Throws a message fit for the start-up error list.
 */
export function parseDatabaseUrl(url: string | undefined, cwd = process.cwd()): DatabaseSettings {
  if (url === undefined || url.trim() === '') {
    return { type: 'sqlite', file: resolve(cwd, DEFAULT_SQLITE_FILE) };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === ':memory:') {
      return { type: 'sqlite', file: ':memory:' };
    }
    if (path === '') {
      throw new Error(
        'DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/customers.sqlite',
      );
    }
    return { type: 'sqlite', file: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error('DATABASE_URL: not a valid mysql:// URL');
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (!parsed.hostname || !database) {
      throw new Error('DATABASE_URL: mysql:// URL needs a host and a database name');
    }
    return {
      type: 'mysql',
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      username: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password),
      database,
    };
  }
  throw new Error(
    'DATABASE_URL: expected sqlite:<path>, sqlite::memory: or mysql://user:pass@host:port/db',
  );
}
