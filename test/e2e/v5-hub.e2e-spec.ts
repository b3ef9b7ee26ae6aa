import { SpecValidator } from '@test/support/v5-spec-validator';
import { TestSubscriber } from '@test/support/subscriber';

import { FAST_HUB_ENV, outboxDrained, subscribe } from './support/hub';
import { TestApp } from './support/test-app';

// The hub in both versions (docs/v5.md): one change, made through either version, reaches a v4
// subscriber in the v4 shape and a v5 subscriber in the v5 shape, each once; v5 events validate
// against the official file's schemas; a v5 subscription's query uses v5 paths.

const V4 = '/tmf-api/customerManagement/v4/customer';
const V5 = '/tmf-api/customerManagement/v5/customer';
const V5_HUB = '/tmf-api/customerManagement/v5/hub';
const MERGE = { 'content-type': 'application/merge-patch+json' };

const CUSTOMER_V5 = {
  '@type': 'Customer',
  name: 'Hub Club',
  description: 'v5 only',
  engagedParty: { '@type': 'PartyRef', id: '500', '@referredType': 'Organization' },
  contactMedium: [{ '@type': 'EmailContactMedium', id: 'cm-1', emailAddress: 'hub@club.example' }],
};

describe('hub: v4 and v5 subscribers, changes through either version', () => {
  let app: TestApp;
  let v4: TestSubscriber;
  let v5: TestSubscriber;
  const validator = new SpecValidator();

  beforeAll(async () => {
    app = await TestApp.start(FAST_HUB_ENV);
    v4 = await TestSubscriber.start();
    v5 = await TestSubscriber.start();
    v4.behaviour = () => 201;
    v5.behaviour = () => 204;
  });
  afterAll(async () => {
    await v4.stop();
    await v5.stop();
    await app.close();
  });

  it('v5 /hub: Hub_FVO with @type answers a Hub; GET and DELETE at both roots; each version sees its own', async () => {
    const missing = await app.request('POST', V5_HUB, { body: { callback: v5.url } });
    expect(missing.status).toBe(400);
    expect(missing.json.message).toContain('@type is required');
    const created = await app.request('POST', V5_HUB, {
      body: { '@type': 'Hub', callback: `${v5.url}/x`, query: 'eventType=CustomerCreateEvent' },
    });
    expect(created.status).toBe(201);
    expect(validator.check('Hub', created.json)).toEqual([]);
    expect(created.json).toMatchObject({ '@type': 'Hub', callback: `${v5.url}/x` });
    expect(created.headers.get('location')).toBe(created.json.href);
    const id = created.json.id as string;
    expect((await app.request('GET', `/tmf-api/customer/v5/hub/${id}`)).json).toEqual(created.json);
    expect((await app.request('GET', `/tmf-api/customerManagement/v4/hub/${id}`)).status).toBe(404);
    const badQuery = await app.request('POST', V5_HUB, {
      body: { '@type': 'Hub', callback: v5.url, query: 'event.customer.mediumType=email' },
    });
    expect(badQuery.status).toBe(400);
    expect((await app.request('DELETE', `/tmf-api/customer/v5/hub/${id}`)).status).toBe(204);
    expect((await app.request('GET', `${V5_HUB}/${id}`)).status).toBe(404);
  });

  it('one change through either version reaches each subscriber once, in its own shape', async () => {
    await subscribe(app, v4.url);
    const hub = await app.request('POST', V5_HUB, { body: { '@type': 'Hub', callback: v5.url } });
    expect(hub.status).toBe(201);

    const created = await app.request('POST', V5, { body: CUSTOMER_V5 });
    const id = created.json.id as string;
    await app.request('PATCH', `${V4}/${id}`, { body: { status: 'active' }, headers: MERGE });
    await app.request('PATCH', `${V5}/${id}`, { body: { description: 'renamed' }, headers: MERGE });
    await app.request('DELETE', `${V4}/${id}`);
    await v4.waitForCount(3);
    await v5.waitForCount(4);
    await outboxDrained(app);
    // At least once: a subscriber de-duplicates on eventId (a retry under load may repeat one); in
    // the order the changes were made (event ids are time-ordered), whatever the delivery order.
    const distinct = (subscriber: TestSubscriber) =>
      [...new Map(subscriber.receipts.map((r) => [r.body.eventId as string, r])).values()].sort(
        (a, b) => String(a.body.eventId).localeCompare(String(b.body.eventId)),
      );
    const v4Receipts = distinct(v4);
    const v5Receipts = distinct(v5);

    // v4: create, state change, delete (the description is invisible to v4).
    expect(v4Receipts.map((r) => r.body.eventType)).toEqual([
      'CustomerCreateEvent',
      'CustomerStateChangeEvent',
      'CustomerDeleteEvent',
    ]);
    for (const receipt of v4Receipts) {
      expect(receipt.body['@type']).toBeUndefined();
      expect(receipt.body.event.customer.href).toContain('/customerManagement/v4/customer/');
    }
    expect(v4Receipts[0].body.event.customer.contactMedium[0].mediumType).toBe('email');

    // v5: the same changes and the v5-only one, each event valid against the official schemas.
    expect(v5Receipts.map((r) => r.body.eventType)).toEqual([
      'CustomerCreateEvent',
      'CustomerStateChangeEvent',
      'CustomerAttributeValueChangeEvent',
      'CustomerDeleteEvent',
    ]);
    for (const receipt of v5Receipts) {
      const event = receipt.body;
      expect(event['@type']).toBe(event.eventType);
      expect(event.timeOccurred).toBe(event.eventTime);
      expect(validator.check(event.eventType as string, event)).toEqual([]);
    }
    const [create, state, change, deleted] = v5Receipts.map((r) => r.body);
    expect(create.event.customer).toEqual({
      id,
      href: created.json.href,
      ...CUSTOMER_V5,
    });
    expect(state.event.customer.status).toBe('active');
    expect(state.event.customer.description).toBe('v5 only');
    expect(change.fieldPath).toBe('description');
    expect(change.event.customer.description).toBe('renamed');
    expect(deleted.event.customer).toEqual({ id, href: created.json.href, '@type': 'Customer' });
  });

  it('a v5 subscription query filters on v5 paths of the v5 event', async () => {
    const filtered = await TestSubscriber.start();
    try {
      filtered.behaviour = () => 204;
      const hub = await app.request('POST', V5_HUB, {
        body: {
          '@type': 'Hub',
          callback: filtered.url,
          query:
            'eventType=CustomerCreateEvent&event.customer.contactMedium.emailAddress=hit@club.example',
        },
      });
      expect(hub.status).toBe(201);
      const medium = (email: string) => ({
        ...CUSTOMER_V5,
        contactMedium: [{ '@type': 'EmailContactMedium', emailAddress: email }],
      });
      await app.request('POST', V5, { body: medium('miss@club.example') });
      const hit = await app.request('POST', V4, {
        body: {
          name: 'Through v4',
          engagedParty: { id: '1', '@referredType': 'Organization' },
          contactMedium: [
            { mediumType: 'email', characteristic: { emailAddress: 'hit@club.example' } },
          ],
        },
      });
      await filtered.waitForCount(1);
      await outboxDrained(app);
      expect(filtered.receipts.map((r) => r.body.event.customer.id)).toEqual([hit.json.id]);
      expect(filtered.receipts[0].body.event.customer.href).toBe(
        hit.json.href.replace('/v4/', '/v5/'),
      );
      expect(filtered.receipts[0].body.event.customer.contactMedium[0]).toEqual({
        '@type': 'EmailContactMedium',
        emailAddress: 'hit@club.example',
      });
    } finally {
      await filtered.stop();
    }
  });

  it('fields= in a v5 query projects the delivered v5 event (its identity kept)', async () => {
    const projected = await TestSubscriber.start();
    try {
      projected.behaviour = () => 204;
      const hub = await app.request('POST', V5_HUB, {
        body: {
          '@type': 'Hub',
          callback: projected.url,
          query: 'eventType=CustomerCreateEvent&fields=event.customer.name',
        },
      });
      expect(hub.status).toBe(201);
      const created = await app.request('POST', V5, {
        body: { ...CUSTOMER_V5, name: 'Projected' },
      });
      await outboxDrained(app);
      const [event] = projected.receipts.map((r) => r.body);
      expect(event['@type']).toBe('CustomerCreateEvent');
      expect(event.eventId).toEqual(expect.any(String));
      expect(event.event.customer).toEqual({ name: 'Projected' });
      expect(created.status).toBe(201);
    } finally {
      await projected.stop();
    }
  });
});
