// SQL metacharacters in every input that reaches a statement: path ids, filter values and names,
// sort, fields, bodies (POST, merge patch, JSON Patch), hub subscriptions. Values are bound as
// parameters and names come from the schema, so each is stored and matched as data, or refused
// with a 4xx; never a 500, and nothing else runs. MySQL/MariaDB connections accept several
// statements per query (a write group's closing statements), which makes this worth proving.
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { HUB_PATH } from './support/hub';
import { TestApp } from './support/test-app';

const CANARY = 'sql_canary';

const PAYLOADS = [
  `x'); DROP TABLE ${CANARY}; --`,
  `x"); DROP TABLE ${CANARY}; --`,
  `x\\'; DROP TABLE ${CANARY}; #`,
  `1; DROP TABLE ${CANARY}`,
  `' OR '1'='1`,
  `x' UNION SELECT id FROM customer --`,
  `?; DELETE FROM customer; -- ?`,
  `x\\`,
];

describe(`SQL metacharacters in every input (${TEST_DB})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ HUB_CALLBACK_ALLOW: '127.0.0.0/8' });
    await app.dataSource.query(`CREATE TABLE ${CANARY} (id INT PRIMARY KEY)`);
    await app.dataSource.query(`INSERT INTO ${CANARY} (id) VALUES (1)`);
    // A subscription, so that every write's event (the values in its JSON) goes into the outbox
    // with the write group's closing statements.
    const sub = await app.request('POST', HUB_PATH, { body: { callback: 'http://127.0.0.1:9/l' } });
    expect(sub.status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
  });

  afterEach(async () => {
    // Still there, still one row: no stacked statement ran.
    expect(await app.dataSource.query(`SELECT id FROM ${CANARY}`)).toEqual([{ id: 1 }]);
  });

  const q = encodeURIComponent;

  // Changes written to the outbox so far (fanned out ones included).
  async function outboxRows(): Promise<number> {
    const rows = await app.dataSource.query<{ n: number | string }[]>(
      'SELECT (SELECT COUNT(*) FROM hub_outbox) + (SELECT COUNT(*) FROM hub_event) AS n',
    );
    return Number(rows[0].n);
  }

  it('stores them as data in every string attribute, and gives them back unchanged', async () => {
    const outboxBefore = await outboxRows();
    for (const value of PAYLOADS) {
      const body = {
        name: value,
        statusReason: value,
        engagedParty: { id: value, name: value, '@referredType': 'Organization' },
        characteristic: [{ name: value, value }],
        contactMedium: [{ mediumType: 'postalAddress', characteristic: { city: value } }],
      };
      const created = await createCustomer(app, body);
      const read = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
      expect(read.status).toBe(200);
      expect(read.json).toMatchObject(body);
    }
    expect(await outboxRows()).toBeGreaterThan(outboxBefore);
  });

  it('matches them as values in filters on columns, plain paths and same-element groups', async () => {
    const all = await app.request('GET', `${CUSTOMER_PATH}?limit=1000`);
    const total = all.json.length;
    for (const value of PAYLOADS) {
      for (const filter of [
        `name=${q(value)}`,
        `engagedParty.id=${q(value)}`,
        `contactMedium.characteristic.city=${q(value)}`,
        `characteristic.value=${q(value)}`,
        `characteristic.name=${q(value)}&characteristic.value=${q(value)}`,
        `name=${q(value)},${q(PAYLOADS[0])}`,
        `statusReason.ne=${q(value)}`,
      ]) {
        const res = await app.request('GET', `${CUSTOMER_PATH}?${filter}&limit=1000`);
        expect(res.status).toBe(200);
        const names = (res.json as { name: string }[]).map((c) => c.name);
        if (filter.startsWith('statusReason.ne=')) {
          expect(names).not.toContain(value);
        } else {
          expect(names).toContain(value);
          expect(names.length).toBeLessThan(total);
        }
        expect(Number(res.headers.get('x-total-count'))).toBe(res.json.length);
      }
    }
  });

  it('refuses them as 4xx where a name, a number, a date or an id is expected', async () => {
    for (const value of PAYLOADS) {
      for (const path of [
        `${CUSTOMER_PATH}/${q(value)}`,
        `${CUSTOMER_PATH}?${q(value)}=x`,
        `${CUSTOMER_PATH}?sort=${q(value)}`,
        `${CUSTOMER_PATH}?fields=${q(value)}`,
        `${CUSTOMER_PATH}?creditProfile.creditScore.gte=${q(value)}`,
        `${CUSTOMER_PATH}?validFor.startDateTime.lt=${q(value)}`,
        `${CUSTOMER_PATH}?offset=${q(value)}`,
        `${CUSTOMER_PATH}?name.regex=${q(value)}`,
      ]) {
        const res = await app.request('GET', path);
        // A regex of these characters is a valid regex: 200 with what matches.
        expect(res.status === 200 ? path.includes('.regex=') : res.status >= 400).toBe(true);
        expect(res.status).toBeLessThan(500);
      }
      const del = await app.request('DELETE', `${CUSTOMER_PATH}/${q(value)}`);
      expect([400, 404]).toContain(del.status);
    }
  });

  it('takes them in merge patches and JSON Patch values, and refuses them as JSON Patch paths', async () => {
    const created = await createCustomer(app);
    for (const value of PAYLOADS) {
      const merge = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { statusReason: value, characteristic: [{ name: value, value }] },
      });
      expect(merge.status).toBe(200);
      expect(merge.json.statusReason).toBe(value);
      const patch = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: [{ op: 'replace', path: '/name', value }],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(patch.status).toBe(200);
      expect(patch.json.name).toBe(value);
      const badPath = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: [{ op: 'replace', path: `/${value}`, value: 'x' }],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(badPath.status).toBeGreaterThanOrEqual(400);
      expect(badPath.status).toBeLessThan(500);
    }
    const stored = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
    expect(stored.json.name).toBe(PAYLOADS[PAYLOADS.length - 1]);
  });

  it('takes them in hub subscription queries as values, and refuses them as callbacks', async () => {
    for (const value of PAYLOADS) {
      const sub = await app.request('POST', HUB_PATH, {
        body: { callback: 'http://127.0.0.1:9/listener', query: `event.customer.name=${q(value)}` },
      });
      expect(sub.status).toBe(201);
      expect((await app.request('DELETE', `${HUB_PATH}/${sub.json.id}`)).status).toBe(204);
      const bad = await app.request('POST', HUB_PATH, { body: { callback: value } });
      expect(bad.status).toBe(400);
    }
  });
});
