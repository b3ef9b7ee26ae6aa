import { TMF629_V5_SPEC } from '@app/tmf629-v5';

import { TestApp } from './support/test-app';

// TMF629 v5 /customer over HTTP (docs/v5.md): both roots, v5 validation and errors, fields on every
// operation, ETags shared with v4, conditional requests, the three PATCH formats on the v5
// representation, and v5 lists (filters on v5 paths, sort, paging, cursors, counts).

const V4 = '/tmf-api/customerManagement/v4/customer';
const V5 = '/tmf-api/customerManagement/v5/customer';
const V5_ALIAS = '/tmf-api/customer/v5/customer';
const BASE = 'https://crm.example.com';

function v5Customer(name: string, extra: Record<string, any> = {}): Record<string, any> {
  return {
    '@type': 'Customer',
    name,
    engagedParty: { '@type': 'PartyRef', id: '500', '@referredType': 'Organization' },
    ...extra,
  };
}

const MOON = v5Customer('Moon Football Club', {
  status: 'approved',
  description: 'A football club',
  contactMedium: [
    {
      '@type': 'EmailContactMedium',
      id: 'cm-1',
      preferred: true,
      contactType: 'work',
      emailAddress: 'info@moon.example',
    },
    {
      '@type': 'GeographicAddressContactMedium',
      id: 'cm-2',
      preferred: false,
      city: 'Paris',
      country: 'France',
      postCode: '75014',
      street1: '15 Rue des Canards',
    },
  ],
  characteristic: [
    { '@type': 'IntegerCharacteristic', id: 'ch-1', name: 'members', value: 1200 },
    { '@type': 'StringCharacteristic', id: 'ch-2', name: 'colour', value: 'blue' },
  ],
  relatedParty: [
    {
      '@type': 'RelatedPartyRefOrPartyRoleRef',
      role: 'bill receiver',
      partyOrPartyRole: { '@type': 'PartyRef', id: '2777', '@referredType': 'Organization' },
    },
  ],
});

describe('TMF629 v5 /customer', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ PUBLIC_BASE_URL: BASE });
  });
  afterAll(async () => {
    await app.close();
  });

  async function create(body: Record<string, unknown> = MOON): Promise<any> {
    const res = await app.request('POST', V5, { body });
    expect(res.status).toBe(201);
    return res.json;
  }

  describe('create and read', () => {
    it('POST 201: the customer as sent, a v5 href, Location, ETag; GET answers it at both roots', async () => {
      const res = await app.request('POST', V5, { body: MOON });
      expect(res.status).toBe(201);
      const { id, href, ...rest } = res.json;
      expect(href).toBe(`${BASE}${V5}/${id}`);
      expect(res.headers.get('location')).toBe(href);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(rest).toEqual(MOON);
      for (const root of [V5, V5_ALIAS]) {
        const read = await app.request('GET', `${root}/${id}`);
        expect(read.status).toBe(200);
        expect(read.json).toEqual(res.json);
        expect(read.headers.get('etag')).toBe('"1"');
      }
    });

    it('also creates through /tmf-api/customer/v5 (the servers entry of the spec)', async () => {
      const res = await app.request('POST', V5_ALIAS, { body: v5Customer('Alias Club') });
      expect(res.status).toBe(201);
      expect(res.json.href).toBe(`${BASE}${V5}/${res.json.id}`);
    });

    it('fields on POST, GET and PATCH select from the v5 representation (id, href, @type kept)', async () => {
      const created = await app.request('POST', `${V5}?fields=name,contactMedium.emailAddress`, {
        body: MOON,
      });
      expect(created.status).toBe(201);
      const { id, href } = created.json;
      expect(created.json).toEqual({
        id,
        href,
        '@type': 'Customer',
        name: MOON.name,
        contactMedium: [{ emailAddress: 'info@moon.example' }, {}],
      });
      const read = await app.request('GET', `${V5}/${id}?fields=description`);
      expect(read.json).toEqual({ id, href, '@type': 'Customer', description: 'A football club' });
      expect(read.headers.get('etag')).toMatch(/^"1-[0-9a-f]+"$/);
      const patched = await app.request('PATCH', `${V5}/${id}?fields=status`, {
        body: { status: 'suspended' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.json).toEqual({ id, href, '@type': 'Customer', status: 'suspended' });
      const none = await app.request('GET', `${V5}/${id}?fields=none`);
      expect(none.json).toEqual({ id, href, '@type': 'Customer' });
      const unknown = await app.request('GET', `${V5}/${id}?fields=mediumType`);
      expect(unknown.status).toBe(400);
    });

    it('GET 404 for an unknown id, as a v5 Error', async () => {
      const res = await app.request('GET', `${V5}/no-such-id`);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({
        '@type': 'Error',
        code: 'CUSTOMER_NOT_FOUND',
        reason: 'Not Found',
        status: '404',
      });
      expect(typeof res.json.message).toBe('string');
    });

    it('If-None-Match with the current ETag: 304', async () => {
      const { id } = await create();
      const res = await app.request('GET', `${V5}/${id}`, { headers: { 'if-none-match': '"1"' } });
      expect(res.status).toBe(304);
    });
  });

  describe('v5 create rules', () => {
    it.each([
      [
        'no @type',
        { name: 'x', engagedParty: { '@type': 'PartyRef', id: '1' } },
        '@type is required',
      ],
      [
        'no name',
        { '@type': 'Customer', engagedParty: { '@type': 'PartyRef', id: '1' } },
        'name is required',
      ],
      ['no engagedParty', { '@type': 'Customer', name: 'x' }, 'engagedParty is required'],
      [
        'engagedParty without id',
        v5Customer('x', { engagedParty: { '@type': 'PartyRef' } }),
        'engagedParty.id is required',
      ],
      [
        'engagedParty without @type',
        v5Customer('x', { engagedParty: { id: '1' } }),
        'engagedParty.@type is required',
      ],
      [
        'a contact medium without @type',
        v5Customer('x', { contactMedium: [{ emailAddress: 'a@b.example' }] }),
        'contactMedium[0].@type is required',
      ],
      [
        'a v4 contact medium',
        v5Customer('x', {
          contactMedium: [{ '@type': 'EmailContactMedium', mediumType: 'email' }],
        }),
        'unknown attribute contactMedium[0].mediumType',
      ],
      [
        'an attribute of another subtype',
        v5Customer('x', {
          contactMedium: [{ '@type': 'EmailContactMedium', city: 'Paris' }],
        }),
        'unknown attribute contactMedium[0].city',
      ],
      [
        'a typed characteristic of another type',
        v5Customer('x', {
          characteristic: [{ '@type': 'IntegerCharacteristic', name: 'n', value: 'ten' }],
        }),
        'characteristic[0].value must be an integer',
      ],
      [
        'a related party without role',
        v5Customer('x', {
          relatedParty: [
            {
              '@type': 'RelatedPartyOrPartyRole',
              partyOrPartyRole: { '@type': 'PartyRef', id: '1' },
            },
          ],
        }),
        'relatedParty[0].role is required',
      ],
      ['an unknown attribute', v5Customer('x', { loyalty: 'gold' }), 'unknown attribute loyalty'],
      ['a null', v5Customer('x', { description: null }), 'description must be a string'],
      ['an id', { ...v5Customer('x'), id: '1' }, 'id cannot be set by the client'],
    ])('%s: 400 naming it', async (_label, body, message) => {
      const res = await app.request('POST', V5, { body });
      expect(res.status).toBe(400);
      expect(res.json['@type']).toBe('Error');
      expect(res.json.message).toContain(message);
    });

    it('keeps extension attributes under @schemaLocation', async () => {
      const body = v5Customer('Extended', {
        '@type': 'VipCustomer',
        '@schemaLocation': 'https://schemas.example.com/VipCustomer.json',
        loyalty: { tier: 'gold' },
      });
      const created = await create(body);
      expect(created.loyalty).toEqual({ tier: 'gold' });
    });

    it('415 for a body that is not application/json', async () => {
      const res = await app.request('POST', V5, {
        rawBody: JSON.stringify(MOON),
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(res.status).toBe(415);
    });
  });

  describe('PATCH on the v5 representation', () => {
    it('merge patch: 200 with the whole customer, ETag shared with v4 (either write stales the other)', async () => {
      const { id } = await create();
      const patched = await app.request('PATCH', `${V5}/${id}`, {
        body: { description: 'Champions', contactMedium: [MOON.contactMedium![0]] },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.get('etag')).toBe('"2"');
      expect(patched.json.description).toBe('Champions');
      expect(patched.json.contactMedium).toEqual([MOON.contactMedium![0]]);
      // The v4 ETag moved with it; a v4 write stales the v5 one.
      expect((await app.request('GET', `${V4}/${id}`)).headers.get('etag')).toBe('"2"');
      const v4 = await app.request('PATCH', `${V4}/${id}`, {
        body: { status: 'active' },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"2"' },
      });
      expect(v4.status).toBe(200);
      const stale = await app.request('PATCH', `${V5}/${id}`, {
        body: { status: 'x' },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"2"' },
      });
      expect(stale.status).toBe(412);
      expect(stale.headers.get('etag')).toBe('"3"');
      expect(stale.json['@type']).toBe('Error');
    });

    it('a patch of v5-only attributes alone writes a new version', async () => {
      const { id } = await create();
      const patched = await app.request('PATCH', `${V5}/${id}`, {
        body: { role: 'sponsor' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.headers.get('etag')).toBe('"2"');
      expect((await app.request('GET', `${V4}/${id}`)).headers.get('etag')).toBe('"2"');
      const same = await app.request('PATCH', `${V5}/${id}`, {
        body: { role: 'sponsor' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(same.headers.get('etag')).toBe('"2"');
    });

    it('JSON Patch on v5 paths', async () => {
      const { id } = await create();
      const res = await app.request('PATCH', `${V5}/${id}`, {
        body: [
          { op: 'replace', path: '/contactMedium/0/emailAddress', value: 'new@moon.example' },
          { op: 'remove', path: '/characteristic/1' },
          { op: 'test', path: '/characteristic/0/@type', value: 'IntegerCharacteristic' },
        ],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(res.status).toBe(200);
      expect(res.json.contactMedium[0].emailAddress).toBe('new@moon.example');
      expect(res.json.characteristic).toEqual([MOON.characteristic![0]]);
      const v4 = await app.request('GET', `${V4}/${id}`);
      expect(v4.json.contactMedium[0].characteristic.emailAddress).toBe('new@moon.example');
    });

    it('JSON Patch Query: the spec example (select contact media by a v5 attribute)', async () => {
      const { id } = await create();
      const res = await app.request('PATCH', `${V5}/${id}`, {
        body: [{ op: 'replace', path: '/contactMedium/preferred?city=Paris', value: true }],
        headers: { 'content-type': 'application/json-patch-query+json' },
      });
      expect(res.status).toBe(200);
      expect(res.json.contactMedium.map((m: any) => m.preferred)).toEqual([true, true]);
    });

    it('validates the result whole with the create rules: a removed name is a 400, nothing written', async () => {
      const { id } = await create();
      const res = await app.request('PATCH', `${V5}/${id}`, {
        body: { name: null },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(res.status).toBe(400);
      expect(res.json.message).toContain('name is required');
      const bad = await app.request('PATCH', `${V5}/${id}`, {
        body: [{ op: 'add', path: '/contactMedium/0/mediumType', value: 'email' }],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(bad.status).toBe(400);
      expect((await app.request('GET', `${V5}/${id}`)).headers.get('etag')).toBe('"1"');
    });

    it('refuses a change of id or href, and unknown media types', async () => {
      const { id } = await create();
      const res = await app.request('PATCH', `${V5}/${id}`, {
        body: [{ op: 'replace', path: '/id', value: 'other' }],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(res.status).toBe(400);
      const media = await app.request('PATCH', `${V5}/${id}`, {
        rawBody: '{}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(media.status).toBe(415);
    });

    it('404 for an unknown id', async () => {
      const res = await app.request('PATCH', `${V5}/nobody`, {
        body: { status: 'x' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(res.status).toBe(404);
    });
  });

  describe('v4 writes on a customer created through v5', () => {
    it('are refused only for the violations they introduce', async () => {
      // Valid in v5, but lacking what v4 requires (engagedParty.@referredType, account.name).
      const { id } = await create(
        v5Customer('Lean', {
          engagedParty: { '@type': 'PartyRef', id: '1' },
          account: [{ '@type': 'AccountRef', id: 'acc-1' }],
        }),
      );
      const fine = await app.request('PATCH', `${V4}/${id}`, {
        body: { status: 'active' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(fine.status).toBe(200);
      const introduced = await app.request('PATCH', `${V4}/${id}`, {
        body: { name: null },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(introduced.status).toBe(400);
      expect(introduced.json.message).toContain('name is required');
      expect(introduced.json.message).not.toContain('@referredType');
    });
  });

  describe('DELETE', () => {
    it('204, then 404 in both versions; If-Match is checked', async () => {
      const { id } = await create();
      expect(
        (await app.request('DELETE', `${V5}/${id}`, { headers: { 'if-match': '"9"' } })).status,
      ).toBe(412);
      expect((await app.request('DELETE', `${V5_ALIAS}/${id}`)).status).toBe(204);
      expect((await app.request('GET', `${V5}/${id}`)).status).toBe(404);
      expect((await app.request('GET', `${V4}/${id}`)).status).toBe(404);
      expect((await app.request('DELETE', `${V5}/${id}`)).status).toBe(404);
    });
  });

  describe('list', () => {
    const ids: string[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        const created = await create(
          v5Customer(`Listed ${i}`, {
            status: i % 2 === 0 ? 'listed-even' : 'listed-odd',
            contactMedium: [
              { '@type': 'EmailContactMedium', emailAddress: `listed${i}@example.com` },
              { '@type': 'PhoneContactMedium', phoneNumber: `+33 ${i}` },
            ],
            characteristic: [{ '@type': 'IntegerCharacteristic', name: 'rank', value: i }],
            relatedParty: [
              {
                '@type': 'RelatedPartyOrPartyRole',
                role: 'owner',
                partyOrPartyRole: { '@type': 'PartyRef', id: `owner-${i}` },
              },
            ],
          }),
        );
        ids.push(created.id);
      }
    });

    it('filters on v5 paths, through the same indexes as v4', async () => {
      const cases: [string, number[]][] = [
        ['contactMedium.emailAddress=listed3@example.com', [3]],
        ['relatedParty.partyOrPartyRole.id=owner-1,owner-4', [1, 4]],
        ['characteristic.value.gte=3&status=listed-even', [4]],
        ['contactMedium.@type=PhoneContactMedium&contactMedium.phoneNumber=%2B33%202', [2]],
        ['status=listed-odd', [1, 3]],
      ];
      for (const [query, expected] of cases) {
        const res = await app.request('GET', `${V5}?${query}&sort=name`);
        expect({ query, status: res.status, ids: res.json.map((c: any) => c.id) }).toEqual({
          query,
          status: 200,
          ids: expected.map((i) => ids[i]),
        });
        expect(res.json[0]['@type']).toBe('Customer');
        expect(res.json[0].contactMedium[0]['@type']).toBe('EmailContactMedium');
      }
    });

    it('href filters compare with the v5 href', async () => {
      const res = await app.request(
        'GET',
        `${V5}?href=${encodeURIComponent(`${BASE}${V5}/${ids[2]}`)}`,
      );
      expect(res.json.map((c: any) => c.id)).toEqual([ids[2]]);
      const v4Href = await app.request(
        'GET',
        `${V5}?href=${encodeURIComponent(`${BASE}${V4}/${ids[2]}`)}`,
      );
      expect(v4Href.json).toEqual([]);
    });

    it('a v5-only attribute cannot be filtered: 400 naming it', async () => {
      const res = await app.request('GET', `${V5}?description=x`);
      expect(res.status).toBe(400);
      expect(res.json.message).toContain('description');
      expect((await app.request('GET', `${V5}?mediumType=email`)).status).toBe(400);
    });

    it('sort, offset/limit, counts, Link with cursors at the same root, fields', async () => {
      const first = await app.request(
        'GET',
        `${V5_ALIAS}?name.regex=%5EListed&sort=-name&limit=2&fields=name`,
      );
      expect(first.status).toBe(206);
      expect(first.headers.get('x-total-count')).toBe('5');
      expect(first.headers.get('x-result-count')).toBe('2');
      expect(first.json.map((c: any) => c.name)).toEqual(['Listed 4', 'Listed 3']);
      expect(first.json[0]).toEqual({
        id: ids[4],
        href: `${BASE}${V5}/${ids[4]}`,
        '@type': 'Customer',
        name: 'Listed 4',
      });
      const link = first.headers.get('link') ?? '';
      const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
      expect(next).toContain(`${BASE}${V5_ALIAS}?`);
      const second = await app.request('GET', next!.slice(BASE.length));
      expect(second.json.map((c: any) => c.name)).toEqual(['Listed 2', 'Listed 1']);
      const offset = await app.request(
        'GET',
        `${V5}?name.regex=%5EListed&sort=-name&offset=4&limit=2`,
      );
      expect(offset.json.map((c: any) => c.name)).toEqual(['Listed 0']);
      // A v4 cursor does not page a v5 list (nor the other way round).
      const v4First = await app.request(
        'GET',
        `${V4}?name.regex=%5EListed&sort=-name&limit=2&fields=name`,
      );
      const v4Next = /<([^>]+)>;\s*rel="next"/.exec(v4First.headers.get('link') ?? '')?.[1];
      const cursor = new URL(v4Next!).searchParams.get('cursor')!;
      const crossed = await app.request(
        'GET',
        `${V5}?name.regex=%5EListed&sort=-name&limit=2&fields=name&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(crossed.status).toBe(400);
    });

    it('declares its query parameters: an unknown reserved one is a 400 on a read', async () => {
      const res = await app.request('GET', `${V5}/${ids[0]}?sort=name`);
      expect(res.status).toBe(400);
    });
  });

  describe('OpenAPI', () => {
    it('/docs/v5-json: the spec operation ids on the spec paths, the official schemas, both servers', async () => {
      const doc = (await app.request('GET', '/docs/v5-json')).json;
      expect(doc.info.version).toBe('5.0.1');
      expect(doc.servers.map((s: any) => s.url)).toEqual([
        `${BASE}/tmf-api/customerManagement/v5`,
        `${BASE}/tmf-api/customer/v5`,
      ]);
      const operations = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
        Object.entries(item).map(
          ([method, op]: [string, any]) => `${method} ${path} ${op.operationId}`,
        ),
      );
      // Every operation of the official file, on its path, with its operationId.
      const official = Object.entries(TMF629_V5_SPEC.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => `${method} ${path} ${op.operationId}`),
      );
      expect(official).toHaveLength(12);
      expect(operations).toEqual(expect.arrayContaining(official));
      expect(doc.components.schemas.Customer).toEqual({
        type: 'object',
        allOf: [{ $ref: '#/components/schemas/PartyRole' }],
      });
      // v4's document keeps v4 alone.
      const v4 = (await app.request('GET', '/docs-json')).json;
      expect(Object.keys(v4.paths).some((p) => p.includes('/v5/'))).toBe(false);
    });
  });
});
