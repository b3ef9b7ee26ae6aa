import { fullCustomer } from '@test/fixtures/customers';

import { createCustomer, CUSTOMER_PATH, snapshot } from './support/customers';
import { TestApp } from './support/test-app';

const JSON_PATCH = 'application/json-patch+json';
const JSON_PATCH_QUERY = 'application/json-patch-query+json';

describe('PATCH: merge patch, JSON Patch, JSON Patch Query, ETags, no lost updates', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  function patch(
    id: string,
    body: unknown,
    contentType: string,
    headers: Record<string, string> = {},
  ) {
    return app.request('PATCH', `${CUSTOMER_PATH}/${id}`, {
      rawBody: JSON.stringify(body),
      headers: { 'content-type': contentType, ...headers },
    });
  }

  describe('JSON Patch (RFC 6902)', () => {
    it('applies add, remove, replace, move, copy and test in order', async () => {
      const c = await createCustomer(app, fullCustomer());
      const res = await patch(
        c.id,
        [
          { op: 'test', path: '/name', value: 'Sun Telecom Ltd' },
          { op: 'test', path: '/id', value: c.id },
          { op: 'replace', path: '/status', value: 'suspended' },
          { op: 'add', path: '/characteristic/-', value: { name: 'added', value: 7 } },
          { op: 'remove', path: '/statusReason' },
          { op: 'copy', from: '/engagedParty/name', path: '/relatedParty/0/name' },
          { op: 'move', from: '/paymentMethod/0/name', path: '/paymentMethod/0/@type' },
          { op: 'add', path: '/contactMedium/1/preferred', value: false },
        ],
        JSON_PATCH,
      );
      expect(res.status).toBe(200);
      expect(res.json.status).toBe('suspended');
      expect(res.json.characteristic.at(-1)).toEqual({ name: 'added', value: 7 });
      expect(res.json.statusReason).toBeUndefined();
      expect(res.json.relatedParty[0].name).toBe('Sun Telecom');
      expect(res.json.paymentMethod[0]).toEqual({
        id: 'pm-1',
        '@type': 'Direct debit',
        '@referredType': 'BankAccountDebit',
      });
      expect(res.json.contactMedium[1].preferred).toBe(false);
      expect((await app.request('GET', `${CUSTOMER_PATH}/${c.id}`)).json).toEqual(res.json);
    });

    it.each([
      [
        'a test that does not hold',
        [
          { op: 'replace', path: '/name', value: 'X' },
          { op: 'test', path: '/status', value: 'nope' },
        ],
        409,
      ],
      [
        'a path that does not exist',
        [
          { op: 'replace', path: '/name', value: 'X' },
          { op: 'remove', path: '/agreement/5' },
        ],
        409,
      ],
      [
        'a malformed operation',
        [
          { op: 'replace', path: '/name', value: 'X' },
          { op: 'frobnicate', path: '/name' },
        ],
        400,
      ],
      ['a body that is not an array', { op: 'replace', path: '/name', value: 'X' }, 400],
      ['a change of id', [{ op: 'replace', path: '/id', value: 'other' }], 400],
      ['removing href', [{ op: 'remove', path: '/href' }], 400],
      ['an invalid result (engagedParty removed)', [{ op: 'remove', path: '/engagedParty' }], 400],
      [
        'an invalid result (bad date-time)',
        [{ op: 'replace', path: '/validFor/startDateTime', value: 'soon' }],
        400,
      ],
      ['an unknown attribute', [{ op: 'add', path: '/nickname', value: 'x' }], 400],
      ['prototype pollution', [{ op: 'add', path: '/__proto__/admin', value: true }], 400],
    ])('fails atomically on %s (%p -> %i) and changes nothing', async (_label, body, status) => {
      const c = await createCustomer(app, fullCustomer());
      const before = await snapshot(app);
      const res = await patch(c.id, body, JSON_PATCH);
      expect(res.status).toBe(status);
      expect(res.json['@type']).toBe('Error');
      expect(await snapshot(app)).toBe(before);
    });
  });

  describe('JSON Patch Query (TMF630)', () => {
    it('replaces a value inside the array element a filter selects (slash hybrid)', async () => {
      const c = await createCustomer(app, fullCustomer());
      const res = await patch(
        c.id,
        [
          {
            op: 'replace',
            path: "/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress",
            value: 'new@sun.example',
          },
        ],
        JSON_PATCH_QUERY,
      );
      expect(res.status).toBe(200);
      expect(res.json.contactMedium[0].characteristic.emailAddress).toBe('new@sun.example');
      expect(res.json.contactMedium.slice(1)).toEqual(c.contactMedium.slice(1));
    });

    it('accepts the JSONPath and TMF630 Part 5 spellings', async () => {
      const c = await createCustomer(app, fullCustomer());
      const a = await patch(
        c.id,
        [
          {
            op: 'replace',
            path: "$.contactMedium[?(@.mediumType=='phone')].characteristic.phoneNumber",
            value: '+1',
          },
        ],
        JSON_PATCH_QUERY,
      );
      expect(a.json.contactMedium[2].characteristic.phoneNumber).toBe('+1');
      const b = await patch(
        c.id,
        [
          {
            op: 'replace',
            path: '/contactMedium/characteristic/city?contactMedium.mediumType=postalAddress',
            value: 'Lyon',
          },
        ],
        JSON_PATCH_QUERY,
      );
      expect(b.status).toBe(200);
      expect(b.json.contactMedium[1].characteristic.city).toBe('Lyon');
    });

    it('combines equality filters with && on one array level', async () => {
      const body = fullCustomer();
      body.relatedParty = [
        { id: 'ind-7', role: 'accountManager', name: 'Jane', '@referredType': 'Individual' },
        { id: 'ind-7', role: 'billing', name: 'Jane', '@referredType': 'Individual' },
        { id: 'ind-8', role: 'accountManager', name: 'John', '@referredType': 'Individual' },
      ];
      const c = await createCustomer(app, body);
      const res = await patch(
        c.id,
        [
          {
            op: 'replace',
            path: "$.relatedParty[?(@.id=='ind-7' && @.role=='billing')].name",
            value: 'Jane B.',
          },
        ],
        JSON_PATCH_QUERY,
      );
      expect(res.status).toBe(200);
      expect(res.json.relatedParty.map((p: any) => p.name)).toEqual(['Jane', 'Jane B.', 'John']);
    });

    it('filters on nested levels', async () => {
      const body = fullCustomer();
      body.characteristic = [
        {
          name: 'lines',
          value: [
            { msisdn: '331', plan: 'silver' },
            { msisdn: '332', plan: 'silver' },
          ],
        },
        { name: 'other', value: [{ msisdn: '331', plan: 'silver' }] },
      ];
      const c = await createCustomer(app, body);
      const res = await patch(
        c.id,
        [
          {
            op: 'replace',
            path: "$.characteristic[?(@.name=='lines')].value[?(@.msisdn=='332')].plan",
            value: 'gold',
          },
        ],
        JSON_PATCH_QUERY,
      );
      expect(res.status).toBe(200);
      expect(res.json.characteristic).toEqual([
        {
          name: 'lines',
          value: [
            { msisdn: '331', plan: 'silver' },
            { msisdn: '332', plan: 'gold' },
          ],
        },
        { name: 'other', value: [{ msisdn: '331', plan: 'silver' }] },
      ]);
    });

    it('removes every element a filter selects', async () => {
      const c = await createCustomer(app, fullCustomer());
      const res = await patch(
        c.id,
        [{ op: 'remove', path: "$.characteristic[?(@.name=='segment' || @.name=='vip')]" }],
        JSON_PATCH_QUERY,
      );
      expect(res.json.characteristic.map((x: any) => x.name)).toEqual(['employees', 'tags']);
    });

    it.each([
      [
        'a filter that selects nothing',
        [
          {
            op: 'replace',
            path: "$.contactMedium[?(@.mediumType=='fax')].characteristic.faxNumber",
            value: '1',
          },
        ],
        409,
      ],
      [
        'a failing test after a good op',
        [
          { op: 'replace', path: '/name', value: 'Y' },
          { op: 'test', path: "$.contactMedium[?(@.mediumType=='email')].preferred", value: false },
        ],
        409,
      ],
      [
        'a malformed filter',
        [{ op: 'replace', path: "$.contactMedium[?(@.mediumType=='email'", value: 1 }],
        400,
      ],
      ['a recursive descent', [{ op: 'remove', path: '$..emailAddress' }], 400],
      [
        'an invalid result',
        [{ op: 'remove', path: "$.contactMedium[?(@.mediumType=='email')].mediumType" }],
        400,
      ],
    ])('fails atomically on %s', async (_label, body, status) => {
      const c = await createCustomer(app, fullCustomer());
      const before = await snapshot(app);
      const res = await patch(c.id, body, JSON_PATCH_QUERY);
      expect(res.status).toBe(status);
      expect(res.json['@type']).toBe('Error');
      expect(await snapshot(app)).toBe(before);
    });
  });

  it('answers 415 listing the accepted patch types for anything else', async () => {
    const c = await createCustomer(app);
    const res = await patch(c.id, { name: 'x' }, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    const xml = await app.request('PATCH', `${CUSTOMER_PATH}/${c.id}`, {
      rawBody: '<x/>',
      headers: { 'content-type': 'text/xml' },
    });
    expect(xml.status).toBe(415);
    expect(xml.json['@type']).toBe('Error');
  });

  it('a patch that changes nothing writes nothing and keeps the ETag', async () => {
    const c = await createCustomer(app, fullCustomer());
    const before = await snapshot(app);
    const res = await patch(c.id, { name: c.name }, 'application/merge-patch+json');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(await snapshot(app)).toBe(before);
  });

  it('a patch moves the customer between the filters on its typed columns, one column at a time', async () => {
    const tag = `col-${Date.now()}`;
    const values = {
      name: [`${tag} name 1`, `${tag} name 2`],
      status: [`${tag}-s1`, `${tag}-s2`],
      '@type': ['Customer', `${tag}Vip`],
      'engagedParty.id': [`${tag}-party-1`, `${tag}-party-2`],
      'validFor.startDateTime': ['2031-01-01T00:00:00Z', '2032-02-02T00:00:00Z'],
      'validFor.endDateTime': ['2041-01-01T00:00:00Z', '2042-02-02T00:00:00Z'],
    };
    const documentFor = (current: Record<string, string>) => ({
      name: current.name,
      status: current.status,
      '@type': current['@type'],
      '@baseType': 'Customer',
      engagedParty: { id: current['engagedParty.id'], '@referredType': 'Individual' },
      validFor: {
        startDateTime: current['validFor.startDateTime'],
        endDateTime: current['validFor.endDateTime'],
      },
    });
    const current = Object.fromEntries(
      Object.entries(values).map(([path, [first]]) => [path, first]),
    ) as Record<string, string>;
    const created = await createCustomer(app, documentFor(current));
    const matches = async (path: string, value: string): Promise<string[]> => {
      // Scoped to this customer's party (unique to this test) unless that is the column asked.
      const scope =
        path === 'engagedParty.id' ? '' : `&engagedParty.id=${current['engagedParty.id']}`;
      const res = await app.request(
        'GET',
        `${CUSTOMER_PATH}?${encodeURIComponent(path)}=${encodeURIComponent(value)}${scope}&fields=id`,
      );
      expect(res.status).toBe(200);
      return res.json.map((c: { id: string }) => c.id);
    };
    for (const [path, [before, after]] of Object.entries(values)) {
      current[path] = after;
      const res = await patch(created.id, documentFor(current), 'application/merge-patch+json');
      expect(res.status).toBe(200);
      // Every column answers its current value (the changed one and those left as they were)...
      for (const [each, value] of Object.entries(current)) {
        expect({ path: each, ids: await matches(each, value) }).toEqual({
          path: each,
          ids: [created.id],
        });
      }
      // ...and the changed column no longer answers its previous one.
      expect({ path, ids: await matches(path, before) }).toEqual({ path, ids: [] });
    }
  });

  describe('ETag and conditional requests', () => {
    it('every single-customer response carries a strong ETag that changes on every write', async () => {
      const created = await app.request('POST', CUSTOMER_PATH, { body: fullCustomer() });
      const tag1 = created.headers.get('etag');
      expect(tag1).toMatch(/^"[^"]+"$/);
      const read = await app.request('GET', `${CUSTOMER_PATH}/${created.json.id}`);
      expect(read.headers.get('etag')).toBe(tag1);
      const patched = await patch(created.json.id, { status: 'x' }, 'application/merge-patch+json');
      const tag2 = patched.headers.get('etag');
      expect(tag2).not.toBe(tag1);
      expect(
        (await app.request('GET', `${CUSTOMER_PATH}/${created.json.id}`)).headers.get('etag'),
      ).toBe(tag2);
      const projected = await app.request('GET', `${CUSTOMER_PATH}/${created.json.id}?fields=name`);
      expect(projected.headers.get('etag')).not.toBe(tag2);
    });

    it('If-None-Match on GET answers 304 while current, 200 after a change', async () => {
      const c = await app.request('POST', CUSTOMER_PATH, { body: fullCustomer() });
      const tag = c.headers.get('etag')!;
      const notModified = await app.request('GET', `${CUSTOMER_PATH}/${c.json.id}`, {
        headers: { 'if-none-match': tag },
      });
      expect(notModified.status).toBe(304);
      expect(notModified.text).toBe('');
      await patch(c.json.id, { status: 'changed' }, 'application/json');
      const modified = await app.request('GET', `${CUSTOMER_PATH}/${c.json.id}`, {
        headers: { 'if-none-match': tag },
      });
      expect(modified.status).toBe(200);
    });

    it('If-Match on PATCH: 412 when stale (nothing changed), 200 when current', async () => {
      const c = await app.request('POST', CUSTOMER_PATH, { body: fullCustomer() });
      const tag = c.headers.get('etag')!;
      await patch(c.json.id, { status: 'first' }, 'application/json');
      const before = await snapshot(app);
      const stale = await patch(c.json.id, { status: 'second' }, 'application/json', {
        'if-match': tag,
      });
      expect(stale.status).toBe(412);
      expect(stale.json).toMatchObject({
        code: 'PRECONDITION_FAILED',
        status: '412',
        '@type': 'Error',
      });
      expect(await snapshot(app)).toBe(before);
      const current = stale.headers.get('etag')!;
      const ok = await patch(
        c.json.id,
        [{ op: 'replace', path: '/status', value: 'second' }],
        JSON_PATCH,
        { 'if-match': current },
      );
      expect(ok.status).toBe(200);
      expect(ok.json.status).toBe('second');
    });

    it('If-Match on DELETE: 412 when stale, 204 when current or *', async () => {
      const c = await app.request('POST', CUSTOMER_PATH, { body: fullCustomer() });
      const stale = await app.request('DELETE', `${CUSTOMER_PATH}/${c.json.id}`, {
        headers: { 'if-match': '"999"' },
      });
      expect(stale.status).toBe(412);
      expect((await app.request('GET', `${CUSTOMER_PATH}/${c.json.id}`)).status).toBe(200);
      const ok = await app.request('DELETE', `${CUSTOMER_PATH}/${c.json.id}`, {
        headers: { 'if-match': c.headers.get('etag')! },
      });
      expect(ok.status).toBe(204);
      const d = await app.request('POST', CUSTOMER_PATH, { body: fullCustomer() });
      expect(
        (
          await app.request('DELETE', `${CUSTOMER_PATH}/${d.json.id}`, {
            headers: { 'if-match': '*' },
          })
        ).status,
      ).toBe(204);
    });
  });

  it('no lost updates: 50 parallel JSON Patch appends all land', async () => {
    // RFC 6902: appending with /characteristic/- needs the array to exist.
    const c = await createCustomer(app, {
      name: 'Concurrent',
      engagedParty: { id: '1', '@referredType': 'Organization' },
      characteristic: [],
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        patch(
          c.id,
          [{ op: 'add', path: '/characteristic/-', value: { name: `c${i}`, value: i } }],
          JSON_PATCH,
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const final = await app.request('GET', `${CUSTOMER_PATH}/${c.id}`);
    expect(final.json.characteristic).toHaveLength(50);
    expect(new Set(final.json.characteristic.map((x: any) => x.name)).size).toBe(50);
    expect(final.headers.get('etag')).toBe('"51"');
    // every response saw a distinct version: the writes were serialized, none overwrote another
    expect(new Set(results.map((r) => r.headers.get('etag'))).size).toBe(50);
  });
});
