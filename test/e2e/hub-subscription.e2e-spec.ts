import { EventEmitter2 } from '@nestjs/event-emitter';

import { NotificationReceivedEvent } from '@server/hub/events';
import { eventually, TestSubscriber } from '@test/support/subscriber';
import { fullCustomer, minimalCustomer } from '@test/fixtures/customers';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import {
  FAST_HUB_ENV,
  HUB_PATH,
  LISTENER_PATH,
  outboxDrained,
  subscribe,
  unsubscribeAll,
} from './support/hub';
import { TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Hub: registration and listeners', () => {
  let app: TestApp;
  const created: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start({ ...FAST_HUB_ENV, PUBLIC_BASE_URL: 'https://api.example.com' });
  });
  afterEach(async () => {
    await unsubscribeAll(app, created);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('POST /hub', () => {
    it('201 with a server-made id, the callback and query, and Location; GET returns it', async () => {
      const body = {
        callback: 'http://127.0.0.1:9/listener',
        query: 'eventType=CustomerCreateEvent,CustomerDeleteEvent',
      };
      const res = await app.request('POST', HUB_PATH, { body });
      expect(res.status).toBe(201);
      created.push(res.json.id);
      expect(res.json).toEqual({ id: expect.stringMatching(UUID), ...body });
      expect(res.headers.get('location')).toBe(`https://api.example.com${HUB_PATH}/${res.json.id}`);
      const read = await app.request('GET', `${HUB_PATH}/${res.json.id}`);
      expect(read.status).toBe(200);
      expect(read.json).toEqual(res.json);
    });

    it('accepts an absent or empty query (every event) and never returns the secret', async () => {
      const a = await app.request('POST', HUB_PATH, {
        body: { callback: 'http://127.0.0.1:9/a', secret: 'a-secret-of-16-chars' },
      });
      const b = await app.request('POST', HUB_PATH, {
        body: { callback: 'http://127.0.0.1:9/b', query: '' },
      });
      expect([a.status, b.status]).toEqual([201, 201]);
      created.push(a.json.id, b.json.id);
      expect(a.json).toEqual({ id: a.json.id, callback: 'http://127.0.0.1:9/a' });
      expect(b.json).toEqual({ id: b.json.id, callback: 'http://127.0.0.1:9/b' });
      expect((await app.request('GET', `${HUB_PATH}/${a.json.id}`)).text).not.toContain('secret');
    });

    it.each([
      [{}, 'callback is required'],
      [{ callback: '/relative/path' }, 'absolute'],
      [{ callback: 'not a url' }, 'absolute'],
      [{ callback: 'ftp://127.0.0.1/x' }, 'http or https'],
      [{ callback: 42 }, 'callback'],
      [{ callback: 'http://127.0.0.1/x', query: 7 }, 'query'],
      [{ callback: 'http://127.0.0.1/x', secret: 'short' }, 'secret'],
      [{ callback: 'http://127.0.0.1/x', colour: 'blue' }, 'colour'],
    ])('400 for %j', async (body, message) => {
      const res = await app.request('POST', HUB_PATH, { body });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ status: '400', '@type': 'Error' });
      expect(res.json.message).toContain(message);
    });

    it.each([
      ['event.customer.nmae=x', 'QUERY_UNKNOWN_ATTRIBUTE', 'event.customer.nmae'],
      ['eventType=CustomerCreatedEvent', 'INVALID_SUBSCRIPTION', 'CustomerCreatedEvent'],
      ['sort=eventTime', 'QUERY_PARAMETER_NOT_ALLOWED', 'sort'],
      ['event.customer', 'QUERY_MALFORMED', 'event.customer'],
      ['event.customer.creditProfile.creditScore.gt=high', 'QUERY_INVALID_VALUE', 'high'],
    ])('400 for the invalid query %s', async (query, code, mentioned) => {
      const res = await app.request('POST', HUB_PATH, {
        body: { callback: 'http://127.0.0.1:9/x', query },
      });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe(code);
      expect(res.json.message).toContain(mentioned);
    });

    it('409 for the same callback and query again; another query is another subscription', async () => {
      const body = { callback: 'http://127.0.0.1:9/dup', query: 'eventType=CustomerCreateEvent' };
      const first = await app.request('POST', HUB_PATH, { body });
      created.push(first.json.id);
      const again = await app.request('POST', HUB_PATH, { body });
      expect(again.status).toBe(409);
      expect(again.json.code).toBe('DUPLICATE_SUBSCRIPTION');
      expect(again.json.message).toContain(first.json.id);
      const other = await app.request('POST', HUB_PATH, {
        body: { ...body, query: 'eventType=CustomerDeleteEvent' },
      });
      expect(other.status).toBe(201);
      created.push(other.json.id);
    });

    it('415 for a body that is not application/json', async () => {
      const res = await app.request('POST', HUB_PATH, {
        rawBody: 'callback=http://127.0.0.1/x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
    });
  });

  describe('SSRF policy at registration (HUB_CALLBACK_ALLOW=127.0.0.0/8)', () => {
    it.each([
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/hook',
      'http://[::ffff:169.254.169.254]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://10.0.0.1/hook',
      'http://192.168.1.10/hook',
      'http://172.16.0.1/hook',
      'http://[::1]/hook',
      'http://0.0.0.0/hook',
      'http://[fc00::1]/hook',
    ])('refuses %s', async (callback) => {
      const res = await app.request('POST', HUB_PATH, { body: { callback } });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('CALLBACK_REFUSED');
    });

    it.each(['http://127.0.0.1:8080/hook', 'http://2130706433/hook', 'https://203.0.113.7/hook'])(
      'accepts %s (allowed loopback, decimal loopback, public address)',
      async (callback) => {
        const res = await app.request('POST', HUB_PATH, { body: { callback } });
        expect(res.status).toBe(201);
        created.push(res.json.id);
        expect(res.json.callback).toBe(callback);
      },
    );
  });

  describe('GET and DELETE /hub/{id}', () => {
    it('DELETE answers 204, then GET and DELETE answer 404', async () => {
      const id = await subscribe(app, 'http://127.0.0.1:9/gone');
      expect((await app.request('DELETE', `${HUB_PATH}/${id}`)).status).toBe(204);
      const read = await app.request('GET', `${HUB_PATH}/${id}`);
      expect(read.status).toBe(404);
      expect(read.json.code).toBe('SUBSCRIPTION_NOT_FOUND');
      expect((await app.request('DELETE', `${HUB_PATH}/${id}`)).status).toBe(404);
    });

    it('PATCH and PUT are 405 with Allow', async () => {
      const id = await subscribe(app, 'http://127.0.0.1:9/methods');
      created.push(id);
      const res = await app.request('PUT', `${HUB_PATH}/${id}`, { body: {} });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toContain('DELETE');
    });
  });

  describe('/listener/* endpoints', () => {
    function event(eventType: string, customer: Record<string, unknown>) {
      return {
        eventId: '00000000-0000-4000-8000-000000000001',
        eventTime: '2026-01-01T00:00:00.000Z',
        eventType,
        id: customer.id,
        href: customer.href,
        event: { customer },
      };
    }
    const customer = {
      id: '6b0b8d8e-8f2b-4b8a-9d0e-0f6f2d1c1a11',
      href: 'https://peer.example.com/tmf-api/customerManagement/v4/customer/6b0b8d8e-8f2b-4b8a-9d0e-0f6f2d1c1a11',
      ...fullCustomer(),
    };

    it.each([
      ['customerCreateEvent', 'CustomerCreateEvent'],
      ['customerStateChangeEvent', 'CustomerStateChangeEvent'],
      ['customerDeleteEvent', 'CustomerDeleteEvent'],
    ])('%s accepts a valid %s with 201', async (path, eventType) => {
      const res = await app.request('POST', `${LISTENER_PATH}/${path}`, {
        body: event(eventType, customer),
      });
      expect(res.status).toBe(201);
    });

    it('customerAttributeValueChangeEvent accepts fieldPath (and no id/href) with 201', async () => {
      const {
        id: _id,
        href: _href,
        ...rest
      } = event('CustomerAttributeValueChangeEvent', customer);
      const res = await app.request('POST', `${LISTENER_PATH}/customerAttributeValueChangeEvent`, {
        body: { ...rest, fieldPath: 'name' },
      });
      expect(res.status).toBe(201);
    });

    it.each([
      [
        'another event type',
        { ...event('CustomerDeleteEvent', customer) },
        'not CustomerDeleteEvent',
      ],
      ['no event', { eventType: 'CustomerCreateEvent' }, 'event is required'],
      ['no customer', { eventType: 'CustomerCreateEvent', event: {} }, 'event.customer'],
      [
        'an invalid customer',
        event('CustomerCreateEvent', { id: 'x', href: 'y', name: 'no party' }),
        'engagedParty',
      ],
      [
        'a bad eventTime',
        { ...event('CustomerCreateEvent', customer), eventTime: 'yesterday' },
        'eventTime',
      ],
      [
        'an unknown attribute',
        { ...event('CustomerCreateEvent', customer), colour: 'blue' },
        'colour',
      ],
    ])('customerCreateEvent refuses %s with 400', async (_what, body, message) => {
      const res = await app.request('POST', `${LISTENER_PATH}/customerCreateEvent`, { body });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('INVALID_EVENT');
      expect(res.json.message).toContain(message);
    });

    it('one instance can subscribe to another: this one to its own listener', async () => {
      const received: NotificationReceivedEvent[] = [];
      const emitter = app.app.get(EventEmitter2);
      const collect = (e: NotificationReceivedEvent) => received.push(e);
      emitter.on(NotificationReceivedEvent.eventName, collect);
      try {
        created.push(
          await subscribe(
            app,
            `${app.baseUrl}${LISTENER_PATH}/customerCreateEvent`,
            'eventType=CustomerCreateEvent',
          ),
        );
        const c = await createCustomer(app, minimalCustomer('Peer Club'));
        await eventually(
          () => received.some((e) => (e.event.id as string) === c.id),
          5000,
          'self-delivery',
        );
        const got = received.find((e) => (e.event.id as string) === c.id);
        expect(got?.eventType).toBe('CustomerCreateEvent');
        expect((got?.event.event as any).customer).toEqual(c);
      } finally {
        emitter.off(NotificationReceivedEvent.eventName, collect);
      }
    });
  });

  it('a rejected customer write queues nothing (the outbox shares its transaction)', async () => {
    const subscriber = await TestSubscriber.start();
    try {
      created.push(await subscribe(app, subscriber.url));
      const bad = await app.request('POST', CUSTOMER_PATH, { body: { name: 'no party' } });
      expect(bad.status).toBe(400);
      // Changes are fanned out in outbox order: once the next write is delivered and the outbox
      // drained, a change the rejected write had queued would have been delivered too.
      const good = await createCustomer(app);
      await outboxDrained(app);
      expect(subscriber.events().map((e) => e.event.customer.id)).toEqual([good.id]);
    } finally {
      await subscriber.stop();
    }
  });
});
