import { createHmac } from 'node:crypto';

import { verifySignature } from '@server/hub/delivery/signature';
import { TEST_HUB_TRANSPORT } from '@test/support/hub-transport';
import { eventually, TestSubscriber } from '@test/support/subscriber';
import { fullCustomer, minimalCustomer } from '@test/fixtures/customers';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import {
  ADMIN_HEADERS,
  FAST_HUB_ENV,
  outboxDrained,
  subscribe,
  unsubscribeAll,
} from './support/hub';
import { TestApp } from './support/test-app';

// RFC 9562 version 7 (time-ordered).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Events a subscriber got about one customer. */
function about(subscriber: TestSubscriber, customerId: string): any[] {
  return subscriber.events().filter((e) => e?.event?.customer?.id === customerId);
}

/** The subscription's dead letters, once there is at least one. */
async function deadLettersOf(app: TestApp, subscriptionId: string): Promise<any[]> {
  let letters: any[] = [];
  await eventually(
    async () => {
      letters = (
        await app.request('GET', `/hub-admin/dead-letters?subscriptionId=${subscriptionId}`, {
          headers: ADMIN_HEADERS,
        })
      ).json;
      return letters.length > 0;
    },
    2000,
    'a dead letter',
  );
  return letters;
}

describe('Hub: events and delivery', () => {
  let app: TestApp;
  const subscriptions: string[] = [];
  const subscribers: TestSubscriber[] = [];

  async function subscriber(): Promise<TestSubscriber> {
    const s = await TestSubscriber.start();
    subscribers.push(s);
    return s;
  }

  beforeAll(async () => {
    app = await TestApp.start(FAST_HUB_ENV);
  });
  afterEach(async () => {
    await unsubscribeAll(app, subscriptions);
    for (const s of subscribers.splice(0)) {
      await s.stop();
    }
  });
  afterAll(async () => {
    await app.close();
  });

  it('emits each event type with its payload: create, attribute change (fieldPath), state change, delete', async () => {
    const sub = await subscriber();
    subscriptions.push(await subscribe(app, sub.url));
    const start = Date.now();
    const c = await createCustomer(app, fullCustomer());
    await sub.waitForCount(1);
    const [created] = about(sub, c.id);
    expect(created).toEqual({
      eventId: expect.stringMatching(UUID),
      eventTime: expect.any(String),
      eventType: 'CustomerCreateEvent',
      id: c.id,
      href: c.href,
      event: { customer: c },
    });
    expect(Date.parse(created.eventTime)).toBeGreaterThanOrEqual(start - 1000);
    expect(sub.receipts[0].headers['content-type']).toMatch(/^application\/json/);
    expect(sub.receipts[0].headers['x-event-id']).toBe(created.eventId);

    const renamed = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      body: { name: 'Renamed Ltd', contactMedium: [] },
    });
    expect(renamed.status).toBe(200);
    await sub.waitForCount(2);
    const avc = about(sub, c.id)[1];
    expect(avc.eventType).toBe('CustomerAttributeValueChangeEvent');
    expect(avc.fieldPath.split(',').sort()).toEqual(['contactMedium', 'name']);
    expect(avc).not.toHaveProperty('id');
    expect(avc).not.toHaveProperty('href');
    expect(avc.event.customer).toEqual(renamed.json);

    const suspended = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      body: { status: 'suspended' },
    });
    await sub.waitForCount(3);
    const state = about(sub, c.id)[2];
    expect(state).toMatchObject({
      eventType: 'CustomerStateChangeEvent',
      id: c.id,
      href: c.href,
      event: { customer: suspended.json },
    });
    expect(state).not.toHaveProperty('fieldPath');

    // Status and other attributes together: a state change and an attribute change, both with the new state.
    const both = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      body: { status: 'approved', statusReason: 'appeal granted' },
    });
    await sub.waitForCount(5);
    const pair = about(sub, c.id).slice(3);
    expect(pair.map((e) => e.eventType).sort()).toEqual([
      'CustomerAttributeValueChangeEvent',
      'CustomerStateChangeEvent',
    ]);
    expect(pair.find((e) => e.eventType === 'CustomerAttributeValueChangeEvent').fieldPath).toBe(
      'statusReason',
    );
    expect(pair.every((e) => JSON.stringify(e.event.customer) === JSON.stringify(both.json))).toBe(
      true,
    );
    expect(new Set(pair.map((e) => e.eventId)).size).toBe(2);

    // A patch that changes nothing emits nothing.
    const noop = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      body: { status: 'approved' },
    });
    expect(noop.status).toBe(200);

    const last = (await app.request('GET', `${CUSTOMER_PATH}/${c.id}`)).json;
    expect((await app.request('DELETE', `${CUSTOMER_PATH}/${c.id}`)).status).toBe(204);
    await sub.waitForCount(6);
    const deleted = about(sub, c.id)[5];
    expect(deleted).toMatchObject({
      eventType: 'CustomerDeleteEvent',
      id: c.id,
      href: c.href,
      event: { customer: last },
    });
    await outboxDrained(app);
    expect(sub.receipts).toHaveLength(6);
    expect(sub.distinctEventIds().size).toBe(6);
  });

  it('a patch that removes @type leaves a plain Customer: document, list filter and subscription filter agree', async () => {
    const sub = await subscriber();
    subscriptions.push(await subscribe(app, sub.url, 'event.customer.@type=Customer'));
    const name = `Typed ${Date.now()}`;
    const c = await createCustomer(app, { ...minimalCustomer(name), '@type': 'VipCustomer' });
    const listed = async (type: string): Promise<string[]> => {
      const query = `name=${encodeURIComponent(name)}&@type=${type}&fields=id`;
      return (await app.request('GET', `${CUSTOMER_PATH}?${query}`)).json.map((x: any) => x.id);
    };

    const merged = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      body: { '@type': null },
    });
    expect(merged.status).toBe(200);
    expect(merged.json['@type']).toBe('Customer');
    expect(await listed('Customer')).toEqual([c.id]);
    expect(await listed('VipCustomer')).toEqual([]);
    await sub.waitForCount(1);
    expect(about(sub, c.id)[0]).toMatchObject({
      fieldPath: '@type',
      event: { customer: merged.json },
    });

    // JSON Patch `remove` follows the same rule.
    await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, { body: { '@type': 'VipCustomer' } });
    const removed = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      rawBody: JSON.stringify([{ op: 'remove', path: '/@type' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(removed.status).toBe(200);
    expect(removed.json['@type']).toBe('Customer');
    expect(await listed('Customer')).toEqual([c.id]);
    await sub.waitForCount(2);
    expect(about(sub, c.id)[1].event.customer['@type']).toBe('Customer');
  });

  it('filters by query: event types, conditions on the customer, both, and fields projection', async () => {
    const [types, approved, suspended, projected] = await Promise.all([
      subscriber(),
      subscriber(),
      subscriber(),
      subscriber(),
    ]);
    subscriptions.push(
      await subscribe(app, types.url, 'eventType=CustomerCreateEvent,CustomerDeleteEvent'),
      await subscribe(app, approved.url, 'event.customer.status=approved'),
      await subscribe(
        app,
        suspended.url,
        'eventType=CustomerStateChangeEvent&event.customer.status=suspended',
      ),
      await subscribe(
        app,
        projected.url,
        'eventType=CustomerCreateEvent&fields=event.customer.name',
      ),
    );
    const c1 = await createCustomer(app, { ...minimalCustomer('One'), status: 'approved' });
    const c2 = await createCustomer(app, { ...minimalCustomer('Two'), status: 'pending' });
    await app.request('PATCH', `${CUSTOMER_PATH}/${c2.id}`, { body: { status: 'suspended' } });
    await app.request('PATCH', `${CUSTOMER_PATH}/${c1.id}`, { body: { name: 'One renamed' } });
    await app.request('DELETE', `${CUSTOMER_PATH}/${c2.id}`);

    await types.waitForCount(3);
    await approved.waitForCount(2);
    await suspended.waitForCount(1);
    await projected.waitForCount(2);
    await outboxDrained(app);
    const summary = (s: TestSubscriber) =>
      s
        .events()
        .map((e) => `${e.eventType} ${e.event.customer.name}`)
        .sort();
    expect(summary(types)).toEqual([
      'CustomerCreateEvent One',
      'CustomerCreateEvent Two',
      'CustomerDeleteEvent Two',
    ]);
    expect(summary(approved)).toEqual([
      'CustomerAttributeValueChangeEvent One renamed',
      'CustomerCreateEvent One',
    ]);
    expect(summary(suspended)).toEqual(['CustomerStateChangeEvent Two']);
    const first = projected.events().find((e) => e.id === c1.id);
    expect(first).toEqual({
      eventId: expect.stringMatching(UUID),
      eventTime: expect.any(String),
      eventType: 'CustomerCreateEvent',
      id: c1.id,
      href: c1.href,
      event: { customer: { name: 'One' } },
    });
  });

  it('stops delivering once unsubscribed, and drops what was still queued', async () => {
    const sub = await subscriber();
    const id = await subscribe(app, sub.url);
    await createCustomer(app);
    await sub.waitForCount(1);
    sub.behaviour = () => 500;
    await createCustomer(app);
    await sub.waitForCount(2);
    expect((await app.request('DELETE', `/tmf-api/customerManagement/v4/hub/${id}`)).status).toBe(
      204,
    );
    const left = await app.dataSource.query(
      'SELECT COUNT(*) AS n FROM hub_delivery WHERE subscription_id = ?',
      [id],
    );
    expect(Number(left[0].n)).toBe(0);
    const seen = sub.receipts.length;
    sub.behaviour = () => 201;
    await createCustomer(app);
    await outboxDrained(app);
    expect(sub.receipts).toHaveLength(seen);
  });

  it('retries with back-off: a subscriber failing three times then answering gets the event, with one eventId', async () => {
    const sub = await subscriber();
    sub.behaviour = (_r, index) => (index < 3 ? (index === 1 ? 'drop' : 503) : 201);
    subscriptions.push(await subscribe(app, sub.url));
    const c = await createCustomer(app);
    await sub.waitForCount(4, 5000);
    await outboxDrained(app);
    expect(sub.receipts).toHaveLength(4);
    expect(sub.distinctEventIds()).toEqual(new Set([sub.receipts[0].body.eventId]));
    expect(new Set(sub.receipts.map((r) => r.raw)).size).toBe(1);
    expect(sub.receipts[0].body.id).toBe(c.id);
    // Exponential: each pause at least half the nominal one (50, 100, 200 ms).
    const gaps = sub.receipts.slice(1).map((r, i) => r.at - sub.receipts[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
    expect(gaps[2]).toBeGreaterThanOrEqual(90);
    const dead = await app.request('GET', '/hub-admin/dead-letters', { headers: ADMIN_HEADERS });
    expect(dead.json).toEqual([]);
  });

  it('a subscriber that never answers does not delay a healthy one', async () => {
    // Its own server, where one hanging attempt lasts 20 s: were the healthy subscriber's deliveries
    // queued behind it, none of the 12 would arrive while that first attempt is still open.
    const own = await TestApp.start({
      ...FAST_HUB_ENV,
      HUB_DELIVERY_TIMEOUT_MS: '20000',
      HUB_LEASE_MS: '30000',
      SHUTDOWN_GRACE_MS: '200',
    });
    const [slow, healthy] = [await subscriber(), await subscriber()];
    slow.behaviour = () => 'hang';
    try {
      await subscribe(own, slow.url);
      await subscribe(own, healthy.url);
      for (let i = 0; i < 12; i++) {
        const c = await createCustomer(own, minimalCustomer(`Busy ${i}`));
        await healthy.waitFor((s) => s.events().some((e) => e.id === c.id), 15000);
      }
      expect(healthy.receipts).toHaveLength(12);
      // The slow one got first attempts and is still holding them all: no retry has started yet.
      expect(slow.receipts.length).toBeGreaterThan(0);
      expect(slow.distinctEventIds().size).toBe(slow.receipts.length);
    } finally {
      await own.close(true);
    }
  });

  it('dead-letters after HUB_MAX_ATTEMPTS, lists it for operators, and redrives it', async () => {
    const sub = await subscriber();
    sub.behaviour = () => 500;
    const subscriptionId = await subscribe(app, sub.url);
    subscriptions.push(subscriptionId);
    const c = await createCustomer(app);
    await sub.waitForCount(4, 5000);
    const letters = await deadLettersOf(app, subscriptionId);
    expect(letters).toEqual([
      {
        id: expect.any(String),
        eventId: sub.receipts[0].body.eventId,
        eventType: 'CustomerCreateEvent',
        subscriptionId,
        callback: sub.url,
        attempts: 4,
        lastStatus: 500,
        lastError: 'HTTP 500',
        createdAt: expect.any(String),
        deadAt: expect.any(String),
        event: sub.receipts[0].body,
      },
    ]);
    await outboxDrained(app);
    expect(sub.receipts).toHaveLength(4);
    const stats = await app.request('GET', '/hub-admin/stats', { headers: ADMIN_HEADERS });
    expect(stats.json.deliveries.dead).toBeGreaterThanOrEqual(1);
    expect(stats.json.process.deadLettered).toBeGreaterThanOrEqual(1);
    const metrics = (await app.request('GET', '/metrics')).text;
    expect(metrics).toMatch(/^hub_delivery_attempts_total\{outcome="dead_lettered"\} [1-9]/m);
    expect(metrics).toMatch(/^hub_delivery_attempts_total\{outcome="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^hub_outbox_deliveries\{state="dead"\} [1-9]/m);
    expect(metrics).toMatch(
      /^hub_delivery_attempt_duration_seconds_count\{outcome="failed"\} [1-9]/m,
    );

    sub.behaviour = () => 201;
    const redrive = await app.request('POST', '/hub-admin/dead-letters/redrive', {
      headers: ADMIN_HEADERS,
      body: { subscriptionId },
    });
    expect(redrive.status).toBe(200);
    expect(redrive.json).toEqual({ redriven: 1 });
    await sub.waitForCount(5);
    expect(sub.receipts[4].body.eventId).toBe(sub.receipts[0].body.eventId);
    expect(sub.receipts[4].body.id).toBe(c.id);
    await outboxDrained(app);
    expect(
      (
        await app.request('GET', `/hub-admin/dead-letters?subscriptionId=${subscriptionId}`, {
          headers: ADMIN_HEADERS,
        })
      ).json,
    ).toEqual([]);
  });

  it('discards a dead letter; unknown ids are 404; a bad redrive body is 400', async () => {
    const sub = await subscriber();
    sub.behaviour = () => 410;
    const subscriptionId = await subscribe(app, sub.url);
    subscriptions.push(subscriptionId);
    await createCustomer(app);
    await sub.waitForCount(4, 5000);
    const letters = await deadLettersOf(app, subscriptionId);
    expect(letters).toHaveLength(1);
    expect(
      (
        await app.request('DELETE', `/hub-admin/dead-letters/${letters[0].id}`, {
          headers: ADMIN_HEADERS,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await app.request('DELETE', `/hub-admin/dead-letters/${letters[0].id}`, {
          headers: ADMIN_HEADERS,
        })
      ).status,
    ).toBe(404);
    const bad = await app.request('POST', '/hub-admin/dead-letters/redrive', {
      headers: ADMIN_HEADERS,
      body: { ids: 'all' },
    });
    expect(bad.status).toBe(400);
  });

  it('signs deliveries with HMAC-SHA256 over "<t>.<body>" when the subscription has a secret', async () => {
    const sub = await subscriber();
    const secret = 'correct horse battery staple';
    subscriptions.push(await subscribe(app, sub.url, undefined, { secret }));
    await createCustomer(app);
    await sub.waitForCount(1);
    const { raw, headers } = sub.receipts[0];
    const header = headers['x-hub-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(header)!;
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(10);
    expect(createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')).toBe(v1);
    expect(verifySignature(secret, raw, header, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature('wrong secret value', raw, header, Math.floor(Date.now() / 1000))).toBe(
      false,
    );
    expect(verifySignature(secret, `${raw} `, header, Math.floor(Date.now() / 1000))).toBe(false);
  });
});

describe('Hub: backlog gauge', () => {
  /** The gauge's series by transport, from one scrape. */
  async function backlog(app: TestApp): Promise<Record<string, number>> {
    const text = (await app.request('GET', '/metrics')).text;
    const series = [...text.matchAll(/^hub_delivery_backlog\{transport="(\w+)"\} (\d+)$/gm)];
    return Object.fromEntries(series.map(([, transport, n]) => [transport, Number(n)]));
  }

  it('hub_delivery_backlog{transport} counts the deliveries the transport holds (here in flight to a subscriber that does not answer)', async () => {
    const app = await TestApp.start({
      ...FAST_HUB_ENV,
      HUB_DELIVERY_TIMEOUT_MS: '30000',
      HUB_LEASE_MS: '60000',
    });
    const subscriber = await TestSubscriber.start();
    subscriber.behaviour = () => 'hang';
    try {
      const transports = TEST_HUB_TRANSPORT === 'nats' ? { db: 0, nats: 0 } : { db: 0 };
      expect(await backlog(app)).toEqual(transports);
      await subscribe(app, subscriber.url);
      for (let i = 0; i < 3; i++) {
        await createCustomer(app);
      }
      await subscriber.waitForCount(3);
      // Sampled at most every 5 s: the scrapes converge on the three attempts in flight.
      await eventually(
        async () => (await backlog(app))[TEST_HUB_TRANSPORT] === 3,
        15000,
        'backlog of 3',
      );
      expect(Object.keys(await backlog(app)).sort()).toEqual(Object.keys(transports).sort());
    } finally {
      await subscriber.stop();
      await app.close();
    }
  });
});
