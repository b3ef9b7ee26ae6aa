import { EventEmitter2 } from '@nestjs/event-emitter';

import {
  CustomerCreatedEvent,
  CustomerDeletedEvent,
  CustomerUpdatedEvent,
} from '@server/customer/events';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { MIGRATING_SERVER_ENV, undoMigrationsThrough } from './support/migrations';
import { TestApp } from './support/test-app';

// The maintained counts (customer_count) against COUNT(*) on the customers, on SQLite and MariaDB:
// after the migration fills them from a populated database, and after random concurrent writes,
// failed and rolled-back ones included.

type Counts = Record<string, number>;
const STATUSES = ['active', 'suspended', 'approved', 'Active', 'active '];
const TYPES = ['Customer', 'VipCustomer', 'Partner'];
/** A write whose customer carries this statusReason fails after the counts were written. */
const ROLL_BACK = 'roll me back';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('maintained counts (customer_count)', () => {
  let app: TestApp;
  const rand = prng(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  function body(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      name: `Counted ${Math.floor(rand() * 1000)}`,
      engagedParty: { id: 'org-1', '@referredType': 'Organization' },
    };
    if (rand() < 0.8) {
      doc.status = pick(STATUSES);
    }
    if (rand() < 0.6) {
      doc['@type'] = pick(TYPES);
    }
    return doc;
  }

  beforeAll(async () => {
    app = await TestApp.start({ LIST_MAX_LIMIT: '1000', ...MIGRATING_SERVER_ENV });
    // A listener that fails inside the write transaction: the customer and its counts roll back.
    const events = app.app.get(EventEmitter2);
    const failIfMarked = (event: { customer: Record<string, unknown> }) => {
      if (event.customer.statusReason === ROLL_BACK) {
        throw new Error('rolled back by the test');
      }
    };
    for (const name of [
      CustomerCreatedEvent.eventName,
      CustomerUpdatedEvent.eventName,
      CustomerDeletedEvent.eventName,
    ]) {
      events.on(name, failIfMarked);
    }
  });
  afterAll(async () => {
    await app.close();
  });

  /** Every count, as COUNT(*) over the customers sees it. */
  async function counted(): Promise<Counts> {
    const counts: Counts = {};
    const [{ n }] = await app.dataSource.query<{ n: number | string }[]>(
      'SELECT COUNT(*) AS n FROM customer',
    );
    counts['total:'] = Number(n);
    for (const column of ['status', 'at_type']) {
      const rows = await app.dataSource.query<{ v: string; n: number | string }[]>(
        `SELECT ${column} AS v, COUNT(*) AS n FROM customer WHERE ${column} IS NOT NULL GROUP BY ${column}`,
      );
      for (const row of rows) {
        counts[`${column}:${row.v}`] = Number(row.n);
      }
    }
    return counts;
  }

  /** Every count as the counters hold it (shards summed, zero counts left out). */
  async function maintained(): Promise<Counts> {
    const rows = await app.dataSource.query<{ dim: string; val: string; n: number | string }[]>(
      'SELECT dim, val, SUM(n) AS n FROM customer_count GROUP BY dim, val',
    );
    return Object.fromEntries(
      rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.dim}:${r.val}`, Number(r.n)]),
    );
  }

  async function totalOf(query: string): Promise<number> {
    const res = await app.request('GET', `${CUSTOMER_PATH}?${query}&limit=1&fields=id`);
    expect(res.status === 200 || res.status === 206).toBe(true);
    return Number(res.headers.get('x-total-count'));
  }

  /** How often each write outcome occurred (method and status). */
  const outcomes = new Map<string, number>();
  const saw = (method: string, status: number) =>
    outcomes.set(`${method} ${status}`, (outcomes.get(`${method} ${status}`) ?? 0) + 1);

  async function randomWrite(ids: string[]): Promise<void> {
    const roll = rand();
    if (roll < 0.35 || ids.length < 5) {
      const doc = body();
      if (rand() < 0.1) {
        doc.statusReason = ROLL_BACK;
      }
      const res = await app.request('POST', CUSTOMER_PATH, { body: doc });
      expect([201, 500]).toContain(res.status);
      saw('POST', res.status);
      if (res.status === 201) {
        ids.push(res.json.id as string);
      }
      return;
    }
    const id = pick(ids);
    if (roll < 0.75) {
      const patch: Record<string, unknown> =
        rand() < 0.3 ? { status: null } : { status: pick(STATUSES) };
      if (rand() < 0.3) {
        patch['@type'] = rand() < 0.3 ? null : pick(TYPES);
      }
      const failure = rand();
      if (failure < 0.1) {
        patch.statusReason = ROLL_BACK;
      }
      const headers: Record<string, string> = {
        'content-type': 'application/merge-patch+json',
        ...(failure > 0.9 ? { 'if-match': '"999"' } : {}),
      };
      const invalid = failure > 0.8 && failure <= 0.9;
      const res = await app.request('PATCH', `${CUSTOMER_PATH}/${id}`, {
        body: invalid ? { status: 42 } : patch,
        headers,
      });
      // 404: deleted meanwhile by a concurrent request.
      expect([200, 400, 404, 412, 500]).toContain(res.status);
      saw('PATCH', res.status);
      return;
    }
    const res = await app.request('DELETE', `${CUSTOMER_PATH}/${id}`);
    expect([204, 404]).toContain(res.status);
    saw('DELETE', res.status);
    if (res.status === 204) {
      ids.splice(ids.indexOf(id), 1);
    }
  }

  it('the migration fills them from a populated database; undo drops them, redo refills them', async () => {
    for (let i = 0; i < 40; i++) {
      await createCustomer(app, body());
    }
    expect(await maintained()).toEqual(await counted());
    const undone = await undoMigrationsThrough(app.dataSource, 'CustomerCounts');
    const tables = await app.dataSource.query<unknown[]>(
      TEST_DB === 'mysql'
        ? "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'customer_count'"
        : "SELECT name FROM sqlite_master WHERE name = 'customer_count'",
    );
    expect(tables).toEqual([]);
    expect(await app.dataSource.runMigrations({ transaction: 'each' })).toHaveLength(undone);
    expect(await maintained()).toEqual(await counted());
  });

  it('equal COUNT(*) after random concurrent writes, failed and rolled-back ones included', async () => {
    const ids = (await app.dataSource.query<{ id: string }[]>('SELECT id FROM customer')).map(
      (r) => r.id,
    );
    for (let round = 0; round < 25; round++) {
      await Promise.all(Array.from({ length: 8 }, () => randomWrite(ids)));
    }
    // Every kind of outcome happened: writes, refusals before writing, rollbacks after it.
    for (const outcome of ['POST 201', 'POST 500', 'PATCH 200', 'PATCH 400', 'PATCH 412']) {
      expect(outcomes.get(outcome)).toBeGreaterThan(0);
    }
    expect(outcomes.get('PATCH 500')).toBeGreaterThan(0);
    expect(outcomes.get('DELETE 204')).toBeGreaterThan(0);
    const truth = await counted();
    expect(await maintained()).toEqual(truth);
    // And the list's totals, which read them.
    expect(await totalOf('')).toBe(truth['total:']);
    for (const status of STATUSES) {
      expect(await totalOf(`status=${encodeURIComponent(status)}`)).toBe(
        truth[`status:${status}`] ?? 0,
      );
    }
    expect(await totalOf('status=active,suspended&status=active')).toBe(
      (truth['status:active'] ?? 0) + (truth['status:suspended'] ?? 0),
    );
    expect(await totalOf('%40type=VipCustomer')).toBe(truth['at_type:VipCustomer'] ?? 0);
    if (TEST_DB === 'mysql') {
      // Writers spread over the shards.
      const [{ shards }] = await app.dataSource.query<{ shards: number | string }[]>(
        "SELECT COUNT(*) AS shards FROM customer_count WHERE dim = 'total'",
      );
      expect(Number(shards)).toBeGreaterThan(4);
    }
  });

  it('answer the unfiltered and the status-only totals; other filters count the customers', async () => {
    const truth = await counted();
    const shift = (n: number) =>
      app.dataSource.query(
        `UPDATE customer_count SET n = n + ${n} WHERE shard = 0 AND ((dim = 'total' AND val = '') OR (dim = 'status' AND val = 'active'))`,
      );
    await app.dataSource.query(
      "INSERT INTO customer_count (dim, val, shard, n) SELECT 'status', 'active', 0, 0 FROM customer_count WHERE NOT EXISTS (SELECT 1 FROM customer_count WHERE dim = 'status' AND val = 'active' AND shard = 0) LIMIT 1",
    );
    await shift(1000);
    try {
      expect(await totalOf('')).toBe(truth['total:'] + 1000);
      expect(await totalOf('status=active')).toBe((truth['status:active'] ?? 0) + 1000);
      // Not answered by a count: a status with another condition, another operator, a sort only.
      expect(await totalOf('status=active&%40type=VipCustomer')).toBeLessThan(1000);
      expect(await totalOf('status.ne=zzz')).toBeLessThan(1000);
      expect(await totalOf('sort=name')).toBe(truth['total:'] + 1000);
    } finally {
      await shift(-1000);
    }
    expect(await maintained()).toEqual(await counted());
  });
});
