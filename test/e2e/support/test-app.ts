import 'reflect-metadata';

import { LoggerService } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';

import { loadConfig } from '@server/config/app-config';
import { createApp } from '@server/configure-app';
import { hubTransportEnv } from '@test/support/hub-transport';
import { createTestDatabase, TestDatabase } from '@test/support/test-database';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (for malformed or oversized bodies). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

/** Collects what the app logs, so tests can check that errors are logged with their stack. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...args: unknown[]): void {
    this.lines.push(args.map(String).join(' '));
  }
  error(...args: unknown[]): void {
    this.lines.push(`ERROR ${args.map(String).join(' ')}`);
  }
  warn(...args: unknown[]): void {
    this.lines.push(`WARN ${args.map(String).join(' ')}`);
  }
  debug(): void {}
  verbose(): void {}
}

/**
 * The real app (same createApp as main.ts) listening on 127.0.0.1, on a fresh database; requests
 * go over real HTTP with fetch.
 */
export class TestApp {
  readonly logger = new CapturingLogger();
  baseUrl = '';

  private constructor(
    readonly app: NestFastifyApplication,
    readonly database: TestDatabase,
    /** JSON log lines the app wrote (pino), parsed. */
    readonly logLines: Record<string, unknown>[],
  ) {}

  /** Boots on a fresh database, or on `existing` (one a previous TestApp kept with `close(true)`). */
  static async start(env: Record<string, string> = {}, existing?: TestDatabase): Promise<TestApp> {
    return TestApp.boot(existing ?? (await createTestDatabase()), env);
  }

  /** On a database the test owns (e.g. a private MariaDB it stops and starts). */
  static async startOn(url: string, env: Record<string, string> = {}): Promise<TestApp> {
    return TestApp.boot({ url, drop: () => Promise.resolve() }, env);
  }

  private static async boot(database: TestDatabase, env: Record<string, string>): Promise<TestApp> {
    const config = loadConfig({
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      ...hubTransportEnv(database.url),
      // The whole suite on the SQLite writer thread, or not (`TEST_SQLITE_WRITER_THREAD`).
      ...(process.env.TEST_SQLITE_WRITER_THREAD
        ? { SQLITE_WRITER_THREAD: process.env.TEST_SQLITE_WRITER_THREAD }
        : {}),
      ...env,
    });
    const lines: Record<string, unknown>[] = [];
    const app = await createApp(config, {
      logDestination: {
        write: (chunk: string) => {
          lines.push(JSON.parse(chunk) as Record<string, unknown>);
        },
      },
    });
    const testApp = new TestApp(app, database, lines);
    app.useLogger(testApp.logger);
    await app.listen({ port: 0, host: '127.0.0.1' });
    testApp.baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return testApp;
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body: string | Buffer | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  async close(keepDatabase = false): Promise<void> {
    await this.app.close();
    if (!keepDatabase) {
      await this.database.drop();
    }
  }
}
