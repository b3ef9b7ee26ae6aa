import { TransactionRunner } from '@server/database/transaction-runner';
import { DeliveryRepository } from '@server/hub/delivery/delivery.repository';
import { FanOutRepository } from '@server/hub/outbox/fan-out.repository';
import { OutboxRepository } from '@server/hub/outbox/outbox.repository';
import { SubscriptionRepository } from '@server/hub/subscriptions/subscription.repository';
import { TEST_HUB_TRANSPORT } from '@test/support/hub-transport';
import { TEST_DB } from '@test/support/test-database';
import { eventually, TestSubscriber } from '@test/support/subscriber';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { ADMIN_HEADERS, FAST_HUB_ENV, HUB_PATH, outboxDrained, subscribe } from './support/hub';
import { TestApp } from './support/test-app';

const V5_HUB_PATH = '/tmf-api/customerManagement/v5/hub';

/** The gate's subscription counts. */
async function gate(app: TestApp): Promise<Record<string, number>> {
  const rows: { name: string; value: number | string }[] = await app.dataSource.query(
    "SELECT name, value FROM hub_gate WHERE name LIKE 'subscriptions%'",
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
}

async function deliveries(app: TestApp): Promise<any[]> {
  return app.dataSource.query(
    'SELECT event_id, subscription_id, status, attempts, next_attempt_at, claim_token, last_error FROM hub_delivery ORDER BY id',
  );
}

describe('Hub: SSRF at connect time (loopback not allowed)', () => {
  let app: TestApp;
  let subscriber: TestSubscriber;

  beforeAll(async () => {
    const { HUB_CALLBACK_ALLOW: _allow, ...env } = FAST_HUB_ENV;
    app = await TestApp.start(env);
    subscriber = await TestSubscriber.start();
  });
  afterAll(async () => {
    await subscriber.stop();
    await app.close();
  });

  it('refuses a loopback IP at registration', async () => {
    const res = await app.request('POST', '/tmf-api/customerManagement/v4/hub', {
      body: { callback: subscriber.url },
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('loopback');
  });

  it('accepts a host name, then refuses the connection once it resolves to loopback: dead letter, nothing sent', async () => {
    const id = await subscribe(app, subscriber.urlWithHost('localhost'));
    await createCustomer(app);
    let letters: any[] = [];
    await eventually(
      async () => {
        letters = (
          await app.request('GET', `/hub-admin/dead-letters?subscriptionId=${id}`, {
            headers: ADMIN_HEADERS,
          })
        ).json;
        return letters.length === 1;
      },
      5000,
      'dead letter',
    );
    // Refused by policy: permanent, so dead at the first attempt rather than retried.
    expect(letters[0].attempts).toBe(1);
    expect(letters[0].lastStatus).toBeNull();
    expect(letters[0].lastError).toMatch(
      /SSRF policy: localhost resolves only to refused addresses/,
    );
    expect(subscriber.receipts).toHaveLength(0);
  });
});

describe('Hub: outbox and shutdown', () => {
  it('queues one outbox row per change in the write transaction, whatever the subscribers, even when no process dispatches (HUB_DISPATCH_ENABLED=false); a dispatching process fans it out and delivers it', async () => {
    let app = await TestApp.start({ ...FAST_HUB_ENV, HUB_DISPATCH_ENABLED: 'false' });
    try {
      const subscribers = await Promise.all([1, 2, 3].map(() => TestSubscriber.start()));
      for (const s of subscribers) {
        await subscribe(app, s.url);
      }
      const c = await createCustomer(app);
      const outbox = await app.dataSource.query('SELECT payload FROM hub_outbox');
      expect(outbox).toHaveLength(1);
      const [event] = JSON.parse(outbox[0].payload);
      expect(event.eventType).toBe('CustomerCreateEvent');
      expect(event.event.customer).toEqual(c);
      expect(await app.dataSource.query('SELECT id FROM hub_event')).toEqual([]);
      expect(await deliveries(app)).toEqual([]);
      // A rejected write adds nothing; a no-op patch adds nothing.
      await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, { body: { engagedParty: null } });
      await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, { body: { name: c.name } });
      expect(await app.dataSource.query('SELECT id FROM hub_outbox')).toHaveLength(1);
      const stats = await app.request('GET', '/hub-admin/stats', { headers: ADMIN_HEADERS });
      expect(stats.json).toMatchObject({
        subscriptions: 3,
        changes: 1,
        deliveries: { pending: 0, claimed: 0, dead: 0 },
        process: { dispatchEnabled: false, delivered: 0 },
      });
      // The change waits for a process that dispatches; on the same database one fans it out to
      // the three subscriptions and delivers it, once each, with one eventId.
      await app.close(true);
      app = await TestApp.start(FAST_HUB_ENV, app.database);
      for (const s of subscribers) {
        await s.waitForCount(1);
      }
      await outboxDrained(app);
      for (const s of subscribers) {
        expect(s.events()).toEqual([event]);
        await s.stop();
      }
      expect(await app.dataSource.query('SELECT id FROM hub_outbox')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('recipients are the subscriptions created before the change committed, whenever the fan-out runs', async () => {
    // Fan-out is held back (no dispatching process) while subscriptions come and go around writes.
    let app = await TestApp.start({ ...FAST_HUB_ENV, HUB_DISPATCH_ENABLED: 'false' });
    try {
      const [early, late, gone] = await Promise.all([1, 2, 3].map(() => TestSubscriber.start()));
      await subscribe(app, early.url);
      const goneId = await subscribe(app, gone.url);
      const first = await createCustomer(app);
      await subscribe(app, late.url); // after the first change committed, before its fan-out
      const second = await createCustomer(app);
      // Deleted before the fan-out: receives nothing, like a delete drops queued deliveries.
      expect((await app.request('DELETE', `${HUB_PATH}/${goneId}`)).status).toBe(204);
      await app.close(true);
      app = await TestApp.start(FAST_HUB_ENV, app.database);
      await early.waitForCount(2);
      await late.waitForCount(1);
      await outboxDrained(app);
      const ids = (s: TestSubscriber) => s.events().map((e) => e.event.customer.id);
      expect(ids(early)).toEqual([first.id, second.id]);
      expect(ids(late)).toEqual([second.id]);
      expect(gone.receipts).toEqual([]);
      await Promise.all([early, late, gone].map((s) => s.stop()));
    } finally {
      await app.close();
    }
  });

  // A write group (SQLite's, or MariaDB's when writes wait) runs the units one after the other in
  // one transaction: later units see a new subscription before it commits.
  (TEST_HUB_TRANSPORT === 'db' ? it : it.skip)(
    'a subscription inserted in a write group gets no earlier change from a fan-out later in the group, nor the changes of its own group',
    async () => {
      const app = await TestApp.start({
        ...FAST_HUB_ENV,
        HUB_DISPATCH_ENABLED: 'false',
        DB_WRITE_GROUPS: '1',
      });
      try {
        const old = await subscribe(app, 'http://127.0.0.1:9/old');
        await createCustomer(app); // outbox row 1, committed before the subscription
        const tx = app.app.get(TransactionRunner);
        const subscriptions = app.app.get(SubscriptionRepository);
        const fanOut = app.app.get(FanOutRepository);
        const outbox = app.app.get(OutboxRepository);
        // While a write runs (MariaDB: in the one group slot), the next three wait: one group.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let started!: () => void;
        const running = new Promise<void>((resolve) => (started = resolve));
        const busy = tx.write(async () => {
          started();
          await held;
        });
        await running;
        const inserting = subscriptions.insert({
          id: 'grouped',
          callback: 'http://127.0.0.1:9/grouped',
          query: null,
          secret: null,
          version: 'v4',
          dedupKey: 'grouped',
          createdAt: Date.now(),
        });
        const fanning = fanOut.fanOut({ changes: 10, deliveries: 100 }, () => true, Date.now());
        const writing = tx.write((manager) => outbox.append(manager, '[]', Date.now()));
        release();
        await busy;
        expect(await inserting).toBe(true);
        expect((await fanning).recipients).toEqual([old]);
        await writing;
        const [{ id: written }] = await app.dataSource.query(
          'SELECT MAX(id) AS id FROM hub_outbox',
        );
        const [row] = await app.dataSource.query(
          "SELECT after_outbox_id FROM hub_subscription WHERE id = 'grouped'",
        );
        expect(Number(row.after_outbox_id)).toBe(Number(written));
      } finally {
        await app.close();
      }
    },
  );

  (TEST_DB === 'mysql' ? it : it.skip)(
    'MariaDB: a subscription created while a write is in flight waits for its commit and is positioned after it',
    async () => {
      const app = await TestApp.start({ ...FAST_HUB_ENV, HUB_DISPATCH_ENABLED: 'false' });
      const writer = app.dataSource.createQueryRunner();
      try {
        const subscriber = await TestSubscriber.start();
        await subscribe(app, subscriber.url); // the write path skips the outbox with none
        // A write transaction as the outbox listener runs it: gate row shared, outbox row, no commit.
        await writer.connect();
        await writer.startTransaction();
        await writer.query(
          "SELECT value FROM hub_gate WHERE name = 'subscriptions' LOCK IN SHARE MODE",
        );
        await writer.query("INSERT INTO hub_outbox (payload, created_at) VALUES ('[]', 0)");
        const [{ id: written }] = await writer.query('SELECT LAST_INSERT_ID() AS id');
        let settled = false;
        const registering = subscribe(app, `${subscriber.url}?late`).finally(() => {
          settled = true;
        });
        // Whatever the interleaving: the subscription cannot commit before the write does.
        await app.dataSource.query('SELECT SLEEP(0.3)');
        const settledBeforeCommit = settled;
        await writer.commitTransaction();
        const id = await registering;
        const [row] = await app.dataSource.query(
          'SELECT after_outbox_id FROM hub_subscription WHERE id = ?',
          [id],
        );
        expect(settledBeforeCommit).toBe(false);
        expect(Number(row.after_outbox_id)).toBeGreaterThanOrEqual(Number(written));
        await subscriber.stop();
      } finally {
        await writer.release();
        await app.close();
      }
    },
  );

  it("builds a change's events of a version only when a subscription of that version exists at commit; the counts follow subscriptions created and deleted", async () => {
    let app = await TestApp.start({ ...FAST_HUB_ENV, HUB_DISPATCH_ENABLED: 'false' });
    try {
      const [v4, v5] = await Promise.all([TestSubscriber.start(), TestSubscriber.start()]);
      const versionsOfRow = async (n: number) => {
        const rows = await app.dataSource.query('SELECT payload FROM hub_outbox ORDER BY id');
        expect(rows).toHaveLength(n);
        return (JSON.parse(rows[n - 1].payload) as any[]).map((e) => ('@type' in e ? 'v5' : 'v4'));
      };
      const v4Id = await subscribe(app, v4.url);
      const c = await createCustomer(app);
      expect(await versionsOfRow(1)).toEqual(['v4']);
      const hub = await app.request('POST', V5_HUB_PATH, {
        body: { '@type': 'Hub', callback: v5.url },
      });
      expect(hub.status).toBe(201);
      await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, { body: { name: 'Renamed' } });
      expect(await versionsOfRow(2)).toEqual(['v4', 'v5']);
      expect((await app.request('DELETE', `${HUB_PATH}/${v4Id}`)).status).toBe(204);
      await app.request('DELETE', `${CUSTOMER_PATH}/${c.id}`);
      expect(await versionsOfRow(3)).toEqual(['v5']);
      expect(await gate(app)).toEqual({ subscriptions: 1, subscriptions_v5: 1 });
      const other = await app.request('POST', V5_HUB_PATH, {
        body: { '@type': 'Hub', callback: `${v5.url}/other` },
      });
      expect(await gate(app)).toEqual({ subscriptions: 2, subscriptions_v5: 2 });
      expect((await app.request('DELETE', `${V5_HUB_PATH}/${other.json.id}`)).status).toBe(204);
      expect(await gate(app)).toEqual({ subscriptions: 1, subscriptions_v5: 1 });
      // A dispatching process delivers: the v5 subscriber gets the v5 events of the two changes
      // after it, the v4 one (deleted) nothing.
      await app.close(true);
      app = await TestApp.start(FAST_HUB_ENV, app.database);
      await v5.waitForCount(2);
      await outboxDrained(app);
      expect(v5.events().map((e: any) => [e['@type'], e.event.customer.id])).toEqual(
        expect.arrayContaining([
          ['CustomerAttributeValueChangeEvent', c.id],
          ['CustomerDeleteEvent', c.id],
        ]),
      );
      expect(v5.receipts).toHaveLength(2);
      expect(v4.receipts).toEqual([]);
      await Promise.all([v4.stop(), v5.stop()]);
    } finally {
      await app.close();
    }
  });

  (TEST_DB === 'mysql' ? it : it.skip)(
    'MariaDB: a v5 subscription created while a write without v5 subscribers is in flight waits for its commit and is positioned after it',
    async () => {
      const app = await TestApp.start({ ...FAST_HUB_ENV, HUB_DISPATCH_ENABLED: 'false' });
      const writer = app.dataSource.createQueryRunner();
      try {
        const subscriber = await TestSubscriber.start();
        await subscribe(app, subscriber.url);
        // A write transaction as the outbox listener runs it: the gate read (shared locks held to
        // commit) finds no v5 subscriber, so the change carries v4 events only.
        await writer.connect();
        await writer.startTransaction();
        const outbox = app.app.get(OutboxRepository);
        expect(await outbox.subscribersIn(writer.manager)).toEqual({ v4: 1, v5: 0 });
        await outbox.append(writer.manager, '[]', 0);
        const [{ id: written }] = await writer.query('SELECT LAST_INSERT_ID() AS id');
        let settled = false;
        const registering = app
          .request('POST', V5_HUB_PATH, { body: { '@type': 'Hub', callback: subscriber.url } })
          .finally(() => {
            settled = true;
          });
        // Whatever the interleaving: the subscription cannot commit before the write does, so it
        // cannot be a recipient of a change built without v5 events.
        await app.dataSource.query('SELECT SLEEP(0.3)');
        const settledBeforeCommit = settled;
        await writer.commitTransaction();
        const created = await registering;
        expect(created.status).toBe(201);
        const [row] = await app.dataSource.query(
          'SELECT after_outbox_id FROM hub_subscription WHERE id = ?',
          [created.json.id],
        );
        expect(settledBeforeCommit).toBe(false);
        expect(Number(row.after_outbox_id)).toBeGreaterThanOrEqual(Number(written));
        // The next write sees it.
        await writer.startTransaction();
        expect(await outbox.subscribersIn(writer.manager)).toEqual({ v4: 1, v5: 1 });
        await writer.rollbackTransaction();
        await subscriber.stop();
      } finally {
        await writer.release();
        await app.close();
      }
    },
  );

  // The db transport's event rows (with nats, hub_event holds dead letters only).
  (TEST_HUB_TRANSPORT === 'db' ? it : it.skip)(
    'purges delivered events and keeps those with deliveries left',
    async () => {
      const app = await TestApp.start(FAST_HUB_ENV);
      try {
        const [ok, failing] = [await TestSubscriber.start(), await TestSubscriber.start()];
        failing.behaviour = () => 500;
        await subscribe(app, ok.url, 'eventType=CustomerCreateEvent');
        await subscribe(app, failing.url, 'eventType=CustomerDeleteEvent');
        const c = await createCustomer(app);
        await app.request('DELETE', `${CUSTOMER_PATH}/${c.id}`);
        await ok.waitForCount(1);
        await failing.waitForCount(1);
        await eventually(async () => (await deliveries(app)).length === 1, 3000, 'one left');
        const purged = await app.app.get(DeliveryRepository).purgeDeliveredEvents(Date.now() + 1);
        expect(purged).toBe(1);
        const left = await app.dataSource.query('SELECT event_type FROM hub_event');
        expect(left).toEqual([{ event_type: 'CustomerDeleteEvent' }]);
        await Promise.all([ok.stop(), failing.stop()]);
      } finally {
        await app.close();
      }
    },
  );

  it('on shutdown, releases the claim of an attempt still in flight; the next start delivers it', async () => {
    const subscriber = await TestSubscriber.start();
    subscriber.behaviour = () => 'hang';
    const env = { ...FAST_HUB_ENV, HUB_DELIVERY_TIMEOUT_MS: '5000', HUB_LEASE_MS: '60000' };
    const first = await TestApp.start({ ...env, SHUTDOWN_GRACE_MS: '200' });
    await subscribe(first, subscriber.url);
    const c = await createCustomer(first);
    await subscriber.waitForCount(1);
    const closing = Date.now();
    await first.close(true);
    expect(Date.now() - closing).toBeLessThan(3000);

    if (TEST_HUB_TRANSPORT === 'db') {
      // Look at the row without dispatching: released (no claim, due now, the cut attempt not counted).
      const inspect = await TestApp.start(
        { ...env, HUB_DISPATCH_ENABLED: 'false' },
        first.database,
      );
      const [row] = await deliveries(inspect);
      expect(row).toMatchObject({ status: 'pending', claim_token: null });
      expect(Number(row.attempts)).toBe(0);
      expect(Number(row.next_attempt_at)).toBeLessThanOrEqual(Date.now());
      await inspect.close(true);
    }
    // nats: the message was nak'ed without delay, so it does not wait for its 60 s ack_wait.

    subscriber.behaviour = () => 201;
    const second = await TestApp.start(env, first.database);
    try {
      await subscriber.waitForCount(2, 5000);
      expect(subscriber.receipts[1].body.eventId).toBe(subscriber.receipts[0].body.eventId);
      expect(subscriber.receipts[1].body.id).toBe(c.id);
      await eventually(async () => (await deliveries(second)).length === 0, 3000, 'row deleted');
    } finally {
      await second.close();
      await subscriber.stop();
    }
  });

  (TEST_HUB_TRANSPORT === 'nats' ? it : it.skip)(
    'nats: a last attempt cut short (its process went away) becomes a dead letter through the max-deliveries advisory',
    async () => {
      const subscriber = await TestSubscriber.start();
      subscriber.behaviour = () => 'hang';
      const env = {
        ...FAST_HUB_ENV,
        HUB_MAX_ATTEMPTS: '1',
        HUB_DELIVERY_TIMEOUT_MS: '5000',
        HUB_LEASE_MS: '60000',
      };
      const first = await TestApp.start({ ...env, SHUTDOWN_GRACE_MS: '200' });
      const id = await subscribe(first, subscriber.url);
      const c = await createCustomer(first);
      await subscriber.waitForCount(1);
      // The only attempt is cut by shutdown: JetStream may not deliver it again (max_deliver 1).
      await first.close(true);
      const second = await TestApp.start(env, first.database);
      try {
        let letters: any[] = [];
        await eventually(
          async () => {
            letters = (
              await second.request('GET', `/hub-admin/dead-letters?subscriptionId=${id}`, {
                headers: ADMIN_HEADERS,
              })
            ).json;
            return letters.length === 1;
          },
          30000,
          'dead letter from the advisory',
        );
        expect(letters[0]).toMatchObject({
          eventType: 'CustomerCreateEvent',
          attempts: 1,
          lastError: expect.stringMatching(/No outcome recorded for the last attempt/),
        });
        expect(letters[0].event.event.customer.id).toBe(c.id);
        expect(subscriber.receipts).toHaveLength(1);
      } finally {
        await second.close();
        await subscriber.stop();
      }
    },
    60_000,
  );
});
