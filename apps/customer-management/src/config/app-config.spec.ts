import { ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('applies the defaults: port 8080, SQLite under ./data, href base on localhost', () => {
    const sut = loadConfig({});
    expect(sut.port).toBe(8080);
    expect(sut.database).toEqual({
      type: 'sqlite',
      file: expect.stringMatching(/\/data\/customers\.sqlite$/),
    });
    expect(sut.publicBaseUrl).toBe('http://localhost:8080');
    expect(sut.bodyLimitBytes).toBe(1048576);
    expect(sut.migrationsRun).toBe(true);
  });

  it('reads typed values and strips a trailing slash from PUBLIC_BASE_URL', () => {
    const sut = loadConfig({
      PORT: '9000',
      PUBLIC_BASE_URL: 'https://api.example.com/',
      DB_MIGRATIONS_RUN: 'false',
      BODY_LIMIT_BYTES: '2048',
      LOG_LEVEL: 'debug',
    });
    expect(sut.port).toBe(9000);
    expect(sut.publicBaseUrl).toBe('https://api.example.com');
    expect(sut.migrationsRun).toBe(false);
    expect(sut.bodyLimitBytes).toBe(2048);
    expect(sut.logLevel).toBe('debug');
  });

  it('serves under API_PATH_PREFIX: routes and every href (publicBaseUrl) carry it; empty by default', () => {
    expect(loadConfig({}).apiPathPrefix).toBe('');
    expect(loadConfig({ API_PATH_PREFIX: '' }).apiPathPrefix).toBe('');
    const sut = loadConfig({
      PUBLIC_BASE_URL: 'https://canvas.example/',
      API_PATH_PREFIX: '/r1-customermanagement',
    });
    expect(sut.apiPathPrefix).toBe('/r1-customermanagement');
    expect(sut.publicBaseUrl).toBe('https://canvas.example/r1-customermanagement');
    expect(loadConfig({ API_PATH_PREFIX: '/a/b.c/~d_e' }).apiPathPrefix).toBe('/a/b.c/~d_e');
  });

  it.each([
    ['no leading slash', 'r1-customermanagement'],
    ['a lone slash', '/'],
    ['a trailing slash', '/r1-customermanagement/'],
    ['an empty segment', '/a//b'],
    ['a dot segment', '/a/../b'],
    ['a space', '/r1 customer'],
    ['a percent-encoding', '/r1%2Fx'],
    ['a query', '/r1?x=1'],
    ['a full URL', 'https://canvas.example/r1'],
    ['over 200 characters', `/${'a'.repeat(200)}`],
  ])('refuses an API_PATH_PREFIX with %s', (_what, value) => {
    expect(() => loadConfig({ API_PATH_PREFIX: value })).toThrow(/API_PATH_PREFIX/);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        PUBLIC_BASE_URL: 'not a url',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'postgres://x/y',
        DB_MIGRATIONS_RUN: 'maybe',
        LIST_DEFAULT_LIMIT: '500',
        LIST_MAX_LIMIT: '100',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    // One message for one mistake: PORT=eighty is not an integer (its bounds are not reported too).
    expect((error as ConfigError).problems.filter((p) => p.startsWith('PORT='))).toEqual([
      'PORT="eighty": PORT must be an integer number',
    ]);
    for (const name of [
      'PORT',
      'PUBLIC_BASE_URL',
      'LOG_LEVEL',
      'DATABASE_URL',
      'DB_MIGRATIONS_RUN',
      'LIST_DEFAULT_LIMIT',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('reads DATABASE_READ_URL: a mysql:// replica of a mysql:// primary, with its bounds', () => {
    expect(loadConfig({}).readReplica).toBeUndefined();
    const sut = loadConfig({
      DATABASE_URL: 'mysql://app:pw@primary:3306/tmf',
      DATABASE_READ_URL: 'mariadb://reader:pw@replica:3307/tmf',
      DB_READ_MAX_LAG_MS: '2000',
    }).readReplica;
    expect(sut).toEqual({
      database: {
        type: 'mysql',
        host: 'replica',
        port: 3307,
        username: 'reader',
        password: 'pw',
        database: 'tmf',
      },
      poolSize: 10,
      maxLagMs: 2000,
      waitMs: 250,
    });
    expect(() =>
      loadConfig({ DATABASE_URL: 'sqlite:x.db', DATABASE_READ_URL: 'mysql://r/tmf' }),
    ).toThrow(/DATABASE_READ_URL: a mysql:\/\/ .*replica of a mysql:\/\/ DATABASE_URL/);
    expect(() =>
      loadConfig({ DATABASE_URL: 'mysql://p/tmf', DATABASE_READ_URL: 'postgres://r/tmf' }),
    ).toThrow(/DATABASE_READ_URL: expected/);
    expect(() =>
      loadConfig({
        DATABASE_URL: 'mysql://p/tmf',
        DATABASE_READ_URL: 'mysql://r/tmf',
        DB_READ_MAX_LAG_MS: '10',
        DB_READ_WAIT_MS: '-1',
      }),
    ).toThrow(/DB_READ_MAX_LAG_MS[\s\S]*DB_READ_WAIT_MS/);
  });

  it('bounds database waits: statement and acquire timeouts, below the request deadline', () => {
    expect(loadConfig({}).dbTimeouts).toEqual({
      statementMs: 10000,
      acquireMs: 10000,
      leakDetectionMs: 60000,
    });
    expect(
      loadConfig({ DB_STATEMENT_TIMEOUT_MS: '2500', DB_ACQUIRE_TIMEOUT_MS: '800' }).dbTimeouts,
    ).toEqual({ statementMs: 2500, acquireMs: 800, leakDetectionMs: 60000 });
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '30000' })).toThrow(
      'DB_STATEMENT_TIMEOUT_MS must be less than HTTP_REQUEST_TIMEOUT_MS',
    );
    expect(() =>
      loadConfig({
        DB_ACQUIRE_TIMEOUT_MS: '6000',
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        DB_STATEMENT_TIMEOUT_MS: '1000',
      }),
    ).toThrow('DB_ACQUIRE_TIMEOUT_MS must be less than HTTP_REQUEST_TIMEOUT_MS');
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '50' })).toThrow(/DB_STATEMENT_TIMEOUT_MS/);
  });

  it('reads the HUB_* settings with their defaults and checks how they relate', () => {
    const defaults = loadConfig({}).hub;
    expect(defaults).toMatchObject({
      maxAttempts: 16,
      retryBaseMs: 2000,
      deliveryTimeoutMs: 10000,
      leaseMs: 30000,
      pollIntervalMs: 1000,
      dispatchEnabled: true,
      callbackAllow: { hosts: [], ranges: [] },
      adminToken: undefined,
    });
    const set = loadConfig({
      HUB_MAX_ATTEMPTS: '3',
      HUB_RETRY_BASE_MS: '50',
      HUB_DELIVERY_TIMEOUT_MS: '500',
      HUB_LEASE_MS: '2000',
      HUB_DISPATCH_ENABLED: 'false',
      HUB_CALLBACK_ALLOW: '127.0.0.0/8',
      HUB_ADMIN_TOKEN: 'ops',
    }).hub;
    expect(set).toMatchObject({
      maxAttempts: 3,
      retryBaseMs: 50,
      deliveryTimeoutMs: 500,
      leaseMs: 2000,
      dispatchEnabled: false,
      callbackAllow: { ranges: [{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }] },
      adminToken: 'ops',
    });
    let error: unknown;
    try {
      loadConfig({
        HUB_MAX_ATTEMPTS: '0',
        HUB_LEASE_MS: '5000',
        HUB_DELIVERY_TIMEOUT_MS: '10000',
        HUB_CALLBACK_ALLOW: '10.0.0.0/99',
      });
    } catch (err) {
      error = err;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('HUB_MAX_ATTEMPTS');
    expect(problems).toContain('HUB_LEASE_MS must exceed HUB_DELIVERY_TIMEOUT_MS');
    expect(problems).toContain('HUB_CALLBACK_ALLOW');
  });

  it('HUB_TRANSPORT: db by default; nats reads HUB_NATS_* once and refuses what cannot work', () => {
    expect(loadConfig({}).hub).toMatchObject({ transport: 'db', nats: undefined });
    expect(
      loadConfig({
        HUB_TRANSPORT: 'nats',
        HUB_NATS_URL: 'nats://a:4222, tls://b:4222',
        HUB_NATS_REPLICAS: '3',
        HUB_NATS_USER: 'hub',
        HUB_NATS_PASSWORD: 'pw',
      }).hub.nats,
    ).toEqual({
      servers: ['nats://a:4222', 'tls://b:4222'],
      stream: 'TMF629_HUB',
      replicas: 3,
      maxAgeMs: 604800000,
      credsFile: undefined,
      token: undefined,
      user: 'hub',
      password: 'pw',
    });
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    expect(problemsOf({ HUB_TRANSPORT: 'kafka' })).toContain('HUB_TRANSPORT');
    expect(problemsOf({ HUB_TRANSPORT: 'nats' })).toContain('needs HUB_NATS_URL');
    const bad = problemsOf({
      HUB_TRANSPORT: 'nats',
      HUB_NATS_URL: 'http://a:4222',
      HUB_NATS_STREAM: 'a.b',
      HUB_NATS_REPLICAS: '7',
      HUB_NATS_TOKEN: 't',
      HUB_NATS_USER: 'u',
      HUB_NATS_CREDS_FILE: '/nonexistent/hub.creds',
    });
    expect(bad).toContain('not a nats:// or tls:// URL');
    expect(bad).toContain('HUB_NATS_STREAM');
    expect(bad).toContain('HUB_NATS_REPLICAS');
    expect(bad).toContain('are exclusive');
    expect(bad).toContain('HUB_NATS_USER and HUB_NATS_PASSWORD go together');
    expect(bad).toContain('cannot read /nonexistent/hub.creds');
  });

  it('refuses a header timeout longer than the request timeout', () => {
    let error: unknown;
    try {
      loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS',
    ]);
    expect(() =>
      loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '5000' }),
    ).not.toThrow();
  });

  it('signs cursors with CURSOR_SECRET (32 characters at least), else with one random key per process', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ CURSOR_SECRET: secret }).cursorSecret).toEqual({
      key: secret,
      generated: false,
    });
    const generated = loadConfig({}).cursorSecret;
    expect(generated.generated).toBe(true);
    expect(Buffer.from(generated.key, 'base64')).toHaveLength(32);
    expect(loadConfig({}).cursorSecret).toEqual(generated);
    expect(() => loadConfig({ CURSOR_SECRET: 'short' })).toThrow(
      /CURSOR_SECRET="short": CURSOR_SECRET must be longer than or equal to 32 characters/,
    );
  });

  it('SQLITE_WRITER_THREAD: off by default, a boolean', () => {
    expect(loadConfig({}).sqliteWriterThread).toBe(false);
    expect(loadConfig({ SQLITE_WRITER_THREAD: 'true' }).sqliteWriterThread).toBe(true);
    expect(() => loadConfig({ SQLITE_WRITER_THREAD: 'sometimes' })).toThrow(/SQLITE_WRITER_THREAD/);
  });

  it('reads the SQLite token index merger settings, on by default, and refuses values out of bounds', () => {
    expect(loadConfig({}).sqliteMerge).toEqual({ pages: 64, pauseMs: 20, resumeSegments: 4 });
    expect(
      loadConfig({
        SQLITE_MERGE_PAGES: '0',
        SQLITE_MERGE_PAUSE_MS: '500',
        SQLITE_MERGE_RESUME_SEGMENTS: '2',
      }).sqliteMerge,
    ).toEqual({ pages: 0, pauseMs: 500, resumeSegments: 2 });
    expect(() => loadConfig({ SQLITE_MERGE_PAGES: '-1' })).toThrow(/SQLITE_MERGE_PAGES/);
    expect(() => loadConfig({ SQLITE_MERGE_PAGES: '5000' })).toThrow(/SQLITE_MERGE_PAGES/);
    expect(() => loadConfig({ SQLITE_MERGE_PAUSE_MS: '0' })).toThrow(/SQLITE_MERGE_PAUSE_MS/);
    expect(() => loadConfig({ SQLITE_MERGE_RESUME_SEGMENTS: 'x' })).toThrow(
      /SQLITE_MERGE_RESUME_SEGMENTS/,
    );
  });

  it('ignores variables it does not own', () => {
    expect(() => loadConfig({ HOME: '/root', NODE_ENV: 'production' })).not.toThrow();
  });
});
