import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createConnection } from 'mysql2/promise';

import { freePort } from './server-process';

const MARIADBD = '/usr/sbin/mariadbd';

/**
 * A MariaDB server of the test's own (own data directory and port), for tests that stop or break
 * the database. The shared instance on 3306 is never touched.
 */
export interface PrivateMariaDbOptions {
  /** Server options beyond the defaults (e.g. `--log-bin`, `--server-id=2`). */
  args?: string[];
  /** Create the `tmf` database (default); a replica gets it from its primary instead. */
  createDatabase?: boolean;
}

export class PrivateMariaDb {
  private child?: ChildProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly args: string[] = [],
  ) {}

  static available(): boolean {
    return existsSync(MARIADBD);
  }

  static async create(options: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
    const dir = mkdtempSync(join(tmpdir(), 'tmf629-mariadb-'));
    execFileSync('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    const db = new PrivateMariaDb(dir, await freePort(), options.args);
    await db.start();
    if (options.createDatabase !== false) {
      await db.query('CREATE DATABASE tmf CHARACTER SET utf8mb4');
    }
    return db;
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/tmf`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        '--user=root',
        '--innodb-buffer-pool-size=32M',
        ...(this.args.some((arg) => arg.startsWith('--log-bin')) ? [] : ['--skip-log-bin']),
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      try {
        await this.query('SELECT 1');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`private MariaDB on port ${this.port} did not start`);
  }

  /** Stops the server (SIGTERM, a clean shutdown) and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async query(sql: string, params: unknown[] = []): Promise<unknown> {
    const connection = await createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: 'root',
      connectTimeout: 2000,
    });
    try {
      const [rows] = await connection.query(sql, params);
      return rows;
    } finally {
      await connection.end();
    }
  }
}
