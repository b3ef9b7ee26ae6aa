// Process-level hub tests: the built server (dist/) as child processes. A crash (SIGKILL) loses no
// event, on SQLite and MySQL/MariaDB; two replicas on one MariaDB deliver each event exactly once.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

import { REPO_ROOT, ServerProcess } from '@test/support/server-process';
import { eventually, TestSubscriber } from '@test/support/subscriber';
import { minimalCustomer } from '@test/fixtures/customers';
import { hubTransportEnv, TEST_HUB_TRANSPORT } from '@test/support/hub-transport';
import { createTestDatabase, TEST_DB, TestDatabase } from '@test/support/test-database';

import { ADMIN_HEADERS, HUB_ADMIN_TOKEN } from './support/hub';

const API = '/tmf-api/customerManagement/v4';

const PROCESS_ENV: Record<string, string> = {
  HUB_CALLBACK_ALLOW: '127.0.0.0/8',
  HUB_ADMIN_TOKEN,
  HUB_RETRY_BASE_MS: '100',
  HUB_RETRY_MAX_MS: '500',
  HUB_POLL_INTERVAL_MS: '200',
  HUB_DELIVERY_TIMEOUT_MS: '2000',
  HUB_LEASE_MS: '4000',
  HUB_MAX_ATTEMPTS: '100',
  LOG_LEVEL: 'error',
};

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...ADMIN_HEADERS,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) {
    throw new Error(`${method} ${path}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * Waits until the database holds no change left to fan out and no delivery left to attempt (any replica answers for all): what the
 * subscribers received is then final, duplicates included.
 */
async function outboxDrained(server: ServerProcess): Promise<void> {
  await eventually(
    async () => {
      const { changes, deliveries } = await call(server, 'GET', '/hub-admin/stats');
      return changes === 0 && deliveries.pending === 0 && deliveries.claimed === 0;
    },
    30_000,
    'outbox drained',
  );
}

/** Runs `task` for 0..count-1 with at most `width` in flight. */
async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        await task(next++);
      }
    }),
  );
}

describe('Hub processes', () => {
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(() => {
    // CI builds first; locally, build when dist/ is missing or older than the sources.
    execFileSync(process.execPath, [resolve(REPO_ROOT, 'scripts/build-if-needed.js')], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
  }, 180_000);
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step().catch(() => undefined);
    }
  });

  it(`loses no event when killed with SIGKILL right after acknowledging writes, subscriber down (${TEST_DB}, ${TEST_HUB_TRANSPORT})`, async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanup.push(() => database.drop());
    const subscriber = await TestSubscriber.start();
    cleanup.push(() => subscriber.stop());
    await subscriber.stop(); // down: its port refuses connections until it comes back
    const env = { ...PROCESS_ENV, DATABASE_URL: database.url, ...hubTransportEnv(database.url) };

    const first = await ServerProcess.start(env);
    cleanup.push(() => first.stop('SIGKILL'));
    await call(first, 'POST', `${API}/hub`, { callback: subscriber.url });
    const ids: string[] = [];
    await inParallel(60, 8, async (i) => {
      ids[i] = (await call(first, 'POST', `${API}/customer`, minimalCustomer(`Crash ${i}`))).id;
    });
    await inParallel(40, 8, async (i) => {
      await call(first, 'PATCH', `${API}/customer/${ids[i]}`, { name: `Crash ${i} renamed` });
    });
    // Every write above was acknowledged; kill at once, with deliveries queued and failing.
    await first.stop('SIGKILL');

    const second = await ServerProcess.start(env);
    cleanup.push(() => second.stop());
    await subscriber.listen();
    await subscriber.waitFor((s) => s.distinctEventIds().size >= 100, 30_000);
    await outboxDrained(second);

    const got = new Set(
      subscriber
        .events()
        .map((e) => `${e.eventType} ${e.event.customer.id} ${e.event.customer.name}`),
    );
    const expected = new Set([
      ...ids.map((id, i) => `CustomerCreateEvent ${id} Crash ${i}`),
      ...ids
        .slice(0, 40)
        .map((id, i) => `CustomerAttributeValueChangeEvent ${id} Crash ${i} renamed`),
    ]);
    expect(got).toEqual(expected);
    expect(subscriber.distinctEventIds().size).toBe(100);
    const stats = await call(second, 'GET', '/hub-admin/stats');
    expect(stats.deliveries.dead).toBe(0);
  }, 90_000);

  (TEST_DB === 'mysql' ? it : it.skip)(
    `two replicas on one MariaDB, 1,000 writes over both, 3 subscribers: each event exactly once per subscriber (${TEST_HUB_TRANSPORT})`,
    async () => {
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      const subscribers = await Promise.all([1, 2, 3].map(() => TestSubscriber.start()));
      cleanup.push(() => Promise.all(subscribers.map((s) => s.stop())));
      const env = {
        ...PROCESS_ENV,
        DATABASE_URL: database.url,
        ...hubTransportEnv(database.url),
        HUB_LEASE_MS: '15000',
        HUB_DELIVERY_TIMEOUT_MS: '5000',
        HUB_SUBSCRIBER_CONCURRENCY: '8',
      };
      const replicas = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
      cleanup.push(() => Promise.all(replicas.map((r) => r.stop())));
      for (const s of subscribers) {
        await call(replicas[0], 'POST', `${API}/hub`, { callback: s.url });
      }

      const created: string[] = [];
      await inParallel(1000, 16, async (i) => {
        const replica = replicas[i % 2];
        created[i] = (await call(replica, 'POST', `${API}/customer`, minimalCustomer(`R ${i}`))).id;
      });
      for (const s of subscribers) {
        await s.waitFor((x) => x.distinctEventIds().size >= 1000, 60_000);
      }
      // Every attempt has ended before counting, so a duplicate would be counted.
      await outboxDrained(replicas[0]);
      for (const s of subscribers) {
        const perEvent = new Map<string, number>();
        for (const e of s.events()) {
          perEvent.set(e.eventId, (perEvent.get(e.eventId) ?? 0) + 1);
        }
        expect(perEvent.size).toBe(1000);
        expect([...perEvent.values()].filter((n) => n !== 1)).toEqual([]);
        expect(new Set(s.events().map((e) => e.id))).toEqual(new Set(created));
      }
      // Both replicas did part of the delivering, and nothing is left queued.
      const stats = await Promise.all(replicas.map((r) => call(r, 'GET', '/hub-admin/stats')));
      expect(stats.map((st) => st.process.delivered).reduce((a, b) => a + b, 0)).toBe(3000);
      expect(stats.every((st) => st.process.delivered > 0)).toBe(true);
      await eventually(
        async () => {
          const st = await call(replicas[1], 'GET', '/hub-admin/stats');
          return st.deliveries.pending + st.deliveries.claimed + st.deliveries.dead === 0;
        },
        5000,
        'outbox drained',
      );
    },
    150_000,
  );
});
