import { PrivateMariaDb } from '@test/support/private-mariadb';
import { TEST_DB } from '@test/support/test-database';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { TestApp } from './support/test-app';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe('health, metrics, request ids, logs, security headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ CORS_ORIGINS: 'https://crm.example.com' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('liveness and readiness answer 200 with the database up and migrations applied', async () => {
    const live = await app.request('GET', '/health/live');
    expect(live.status).toBe(200);
    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('readiness goes false when a migration is pending', async () => {
    const other = await TestApp.start();
    try {
      await other.dataSource.query("DELETE FROM migrations WHERE name LIKE 'CreateCustomer%'");
      const ready = await other.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json.error.migrations.status).toBe('down');
    } finally {
      await other.close();
    }
  });

  it('/metrics exposes request counts and latency by route and status, and the database pool', async () => {
    await createCustomer(app);
    await app.request('GET', `${CUSTOMER_PATH}/nope`);
    const res = await app.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /http_requests_total\{method="POST",route="\/tmf-api\/customerManagement\/v4\/customer",status="201"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /http_requests_total\{method="GET",route="\/tmf-api\/customerManagement\/v4\/customer\/:id",status="404"\} [1-9]/,
    );
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('db_pool_connections');
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  it('echoes a safe X-Request-ID, makes one otherwise, and logs one JSON line per request', async () => {
    const given = await app.request('GET', CUSTOMER_PATH, {
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const made = await app.request('GET', CUSTOMER_PATH);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await app.request('GET', CUSTOMER_PATH, {
      headers: { 'x-request-id': 'bad id\twith "quotes"' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 50));
    const line = app.logLines.find(
      (l) => l.requestId === 'trace-abc.123' && l.msg === 'request completed',
    );
    expect(line).toMatchObject({
      method: 'GET',
      route: '/tmf-api/customerManagement/v4/customer',
      status: 200,
      level: 'info',
    });
    expect(typeof line!.latencyMs).toBe('number');
    expect(
      app.logLines.filter((l) => l.requestId === 'trace-abc.123' && l.msg === 'request completed'),
    ).toHaveLength(1);
  });

  it('uses the request id as the correlation id of a 500', async () => {
    const other = await TestApp.start();
    try {
      await other.dataSource.query('DROP TABLE customer');
      const res = await other.request('GET', CUSTOMER_PATH, {
        headers: { 'x-request-id': 'req-500-test' },
      });
      expect(res.status).toBe(500);
      expect(res.json.message).toContain('req-500-test');
      await new Promise((r) => setTimeout(r, 50));
      expect(other.logLines.some((l) => l.requestId === 'req-500-test' && l.status === 500)).toBe(
        true,
      );
    } finally {
      await other.close();
    }
  });

  it('sends security headers and answers CORS preflights for configured origins only', async () => {
    const res = await app.request('GET', CUSTOMER_PATH);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const preflight = await app.request('OPTIONS', CUSTOMER_PATH, {
      headers: { origin: 'https://crm.example.com', 'access-control-request-method': 'PATCH' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://crm.example.com');
    const actual = await app.request('GET', CUSTOMER_PATH, {
      headers: { origin: 'https://crm.example.com' },
    });
    expect(actual.headers.get('access-control-expose-headers')).toContain('X-Total-Count');
    const other = await app.request('GET', CUSTOMER_PATH, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limiting', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 429 as a TMF Error with Retry-After once the budget is spent; probes stay open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await app.request('GET', CUSTOMER_PATH)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await app.request('GET', CUSTOMER_PATH);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: 'RATE_LIMITED', status: '429', '@type': 'Error' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await app.request('GET', '/health/ready')).status).toBe(200);
    expect((await app.request('GET', '/metrics')).status).toBe(200);
  });
});

const describeWithPrivateDb =
  TEST_DB === 'mysql' && PrivateMariaDb.available() ? describe : describe.skip;

describeWithPrivateDb('readiness follows a MariaDB outage (private instance)', () => {
  let db: PrivateMariaDb;
  beforeAll(async () => {
    db = await PrivateMariaDb.create();
  }, 60000);
  afterAll(async () => {
    await db.destroy();
  });

  it('goes false when the database stops and true again when it is back, without a restart', async () => {
    const app = await TestApp.startOn(db.url);
    try {
      expect((await app.request('GET', '/health/ready')).status).toBe(200);
      await db.stop();
      const down = await app.request('GET', '/health/ready');
      expect(down.status).toBe(503);
      expect(down.json.error.database.status).toBe('down');
      expect((await app.request('GET', '/health/live')).status).toBe(200);
      // Requests fail fast with a 503 TMF Error, not a 500 and not a hanging socket.
      const started = Date.now();
      const read = await app.request('GET', CUSTOMER_PATH);
      const write = await app.request('POST', CUSTOMER_PATH, {
        body: { name: 'during', engagedParty: { id: '1', '@referredType': 'O' } },
      });
      expect(Date.now() - started).toBeLessThan(8000);
      for (const res of [read, write]) {
        expect(res.status).toBe(503);
        expect(res.json).toMatchObject({
          code: 'DATABASE_UNAVAILABLE',
          status: '503',
          '@type': 'Error',
        });
      }
      await db.start();
      const back = await waitFor(
        async () => (await app.request('GET', '/health/ready')).status === 200,
        20000,
      );
      expect(back).toBe(true);
      expect(
        (
          await app.request('POST', CUSTOMER_PATH, {
            body: { name: 'after', engagedParty: { id: '1', '@referredType': 'O' } },
          })
        ).status,
      ).toBe(201);
    } finally {
      await app.close();
    }
  }, 60000);
});
