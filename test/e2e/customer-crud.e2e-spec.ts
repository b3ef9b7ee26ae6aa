import { fullCustomer, minimalCustomer } from '@test/fixtures/customers';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { TestApp } from './support/test-app';

// RFC 9562 version 7 (time-ordered).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Customer resource (CRUD)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ PUBLIC_BASE_URL: 'https://api.example.com/' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('ids are time-ordered (UUID v7): later customers sort after earlier ones', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await app.request('POST', CUSTOMER_PATH, { body: minimalCustomer() })).json.id);
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it('POST creates a customer: 201, UUID id, absolute href from PUBLIC_BASE_URL, Location = href, @type defaulted', async () => {
    const res = await app.request('POST', CUSTOMER_PATH, { body: minimalCustomer() });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json.id).toMatch(UUID);
    expect(res.json.href).toBe(`https://api.example.com${CUSTOMER_PATH}/${res.json.id}`);
    expect(res.headers.get('location')).toBe(res.json.href);
    expect(res.json).toEqual({
      ...minimalCustomer(),
      id: res.json.id,
      href: res.json.href,
      '@type': 'Customer',
    });
  });

  it('stores and returns every TMF629 attribute exactly as sent', async () => {
    const body = fullCustomer();
    const created = await createCustomer(app, body);
    expect(created).toEqual({ id: created.id, href: created.href, ...body });
    const read = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created);
  });

  it('keeps a client @type and extension attributes declared through @schemaLocation', async () => {
    const body = {
      ...minimalCustomer('Extended'),
      '@type': 'VipCustomer',
      '@baseType': 'Customer',
      '@schemaLocation': 'https://schemas.example.com/VipCustomer.schema.json',
      loyaltyTier: 'gold',
    };
    const created = await createCustomer(app, body);
    expect(created.loyaltyTier).toBe('gold');
    expect(created['@type']).toBe('VipCustomer');
  });

  it('GET by id answers 404 for an unknown id', async () => {
    const res = await app.request('GET', `${CUSTOMER_PATH}/c2df1950-c17c-4576-9c22-e59073a4a86a`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'CUSTOMER_NOT_FOUND', status: '404', '@type': 'Error' });
  });

  it('GET by id with fields returns the selected attributes plus id, href and @type', async () => {
    const created = await createCustomer(app, fullCustomer());
    const res = await app.request('GET', `${CUSTOMER_PATH}/${created.id}?fields=name,status`);
    expect(res.json).toEqual({
      id: created.id,
      href: created.href,
      '@type': 'Customer',
      name: created.name,
      status: 'approved',
    });
  });

  describe('list', () => {
    let a: any;
    let b: any;
    beforeAll(async () => {
      a = await createCustomer(app, { ...minimalCustomer('List Alpha'), status: 'active' });
      b = await createCustomer(app, { ...minimalCustomer('List Beta'), status: 'suspended' });
    });

    it('returns a JSON array with X-Total-Count and X-Result-Count', async () => {
      const res = await app.request('GET', CUSTOMER_PATH);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.json)).toBe(true);
      const total = Number(res.headers.get('x-total-count'));
      expect(total).toBe(res.json.length);
      expect(Number(res.headers.get('x-result-count'))).toBe(res.json.length);
      expect(res.json.map((c: any) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('filters by equality on name (URL-encoded), id, href and status; a comma means OR', async () => {
      const byName = await app.request('GET', `${CUSTOMER_PATH}?name=List%20Alpha`);
      expect(byName.json.map((c: any) => c.id)).toEqual([a.id]);
      const byId = await app.request('GET', `${CUSTOMER_PATH}?id=${b.id}`);
      expect(byId.json).toEqual([b]);
      const byHref = await app.request(
        'GET',
        `${CUSTOMER_PATH}?href=${encodeURIComponent(a.href)}`,
      );
      expect(byHref.json).toEqual([a]);
      const unencodedHref = await app.request('GET', `${CUSTOMER_PATH}?href=${a.href}`);
      expect(unencodedHref.json).toEqual([a]);
      const byStatus = await app.request(
        'GET',
        `${CUSTOMER_PATH}?status=active,suspended&name=List%20Beta`,
      );
      expect(byStatus.json).toEqual([b]);
      expect(byStatus.headers.get('x-total-count')).toBe('1');
    });

    it('filter on a document attribute (statusReason) and on @type', async () => {
      const c = await createCustomer(app, {
        ...minimalCustomer('Reasoned'),
        statusReason: 'fraud-check',
      });
      const res = await app.request('GET', `${CUSTOMER_PATH}?statusReason=fraud-check`);
      expect(res.json.map((x: any) => x.id)).toEqual([c.id]);
      const typed = await app.request('GET', `${CUSTOMER_PATH}?%40type=VipCustomer`);
      expect(typed.json.every((x: any) => x['@type'] === 'VipCustomer')).toBe(true);
      expect(typed.json.length).toBe(1);
    });

    it('fields projects every item and keeps id, href and @type', async () => {
      const res = await app.request('GET', `${CUSTOMER_PATH}?fields=name&name=List%20Alpha`);
      expect(res.json).toEqual([
        { id: a.id, href: a.href, '@type': 'Customer', name: 'List Alpha' },
      ]);
    });

    it('offset and limit page the result; X-Total-Count stays the number of matches', async () => {
      const all = await app.request('GET', CUSTOMER_PATH);
      const page = await app.request('GET', `${CUSTOMER_PATH}?offset=1&limit=2`);
      expect(page.json).toEqual(all.json.slice(1, 3));
      expect(page.headers.get('x-result-count')).toBe('2');
      expect(page.headers.get('x-total-count')).toBe(all.headers.get('x-total-count'));
    });
  });

  describe('PATCH (merge patch)', () => {
    it.each([
      'application/json',
      'application/merge-patch+json',
      'application/merge-patch+json; charset=utf-8',
    ])(
      'applies an RFC 7386 merge patch sent as %s and returns the full resource',
      async (contentType) => {
        const created = await createCustomer(app, fullCustomer());
        const res = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
          body: { name: 'Renamed', statusReason: null, validFor: { endDateTime: null } },
          headers: { 'content-type': contentType },
        });
        expect(res.status).toBe(200);
        const expected = {
          ...created,
          name: 'Renamed',
          validFor: { startDateTime: created.validFor.startDateTime },
        };
        delete expected.statusReason;
        expect(res.json).toEqual(expected);
        const read = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
        expect(read.json).toEqual(expected);
      },
    );

    it('accepts the CTK bodies: only engagedParty, or only name', async () => {
      const created = await createCustomer(app);
      const ep = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { engagedParty: { '@referredType': 'Organization', id: '500' } },
      });
      expect(ep.status).toBe(200);
      const named = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { name: 'Sun Football Club' },
      });
      expect(named.status).toBe(200);
      expect(named.json.name).toBe('Sun Football Club');
    });

    it('replaces arrays as a whole (merge patch semantics)', async () => {
      const created = await createCustomer(app, fullCustomer());
      const res = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { characteristic: [{ name: 'only', value: 1 }] },
      });
      expect(res.json.characteristic).toEqual([{ name: 'only', value: 1 }]);
    });

    it('answers 404 for an unknown id', async () => {
      const res = await app.request(
        'PATCH',
        `${CUSTOMER_PATH}/c2df1950-c17c-4576-9c22-e59073a4a86a`,
        { body: { name: 'x' } },
      );
      expect(res.status).toBe(404);
      expect(res.json['@type']).toBe('Error');
    });
  });

  it('DELETE answers 204, then the customer is gone (404)', async () => {
    const created = await createCustomer(app);
    const del = await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await app.request('GET', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(404);
    expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(404);
  });

  it('accepts a trailing slash on the collection path', async () => {
    const res = await app.request('GET', `${CUSTOMER_PATH}/`);
    expect(res.status).toBe(200);
  });
});
