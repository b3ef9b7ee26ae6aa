import { fullCustomer, minimalCustomer } from '@test/fixtures/customers';

import { createCustomer, CUSTOMER_PATH, snapshot } from './support/customers';
import { HttpResult, TestApp } from './support/test-app';

function expectTmfError(res: HttpResult, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json).toMatchObject({ status: String(status), '@type': 'Error' });
  expect(typeof res.json.code).toBe('string');
  expect(typeof res.json.reason).toBe('string');
  expect(typeof res.json.message).toBe('string');
  if (code) {
    expect(res.json.code).toBe(code);
  }
}

describe('Customer errors: TMF Error bodies, and nothing created or changed', () => {
  let app: TestApp;
  let existing: any;

  beforeAll(async () => {
    app = await TestApp.start({ BODY_LIMIT_BYTES: '4096' });
    existing = await createCustomer(app, fullCustomer());
  });
  afterAll(async () => {
    await app.close();
  });

  /** Runs a request that must be rejected and proves the store is byte-for-byte unchanged. */
  async function rejected(
    method: string,
    path: string,
    options: Parameters<TestApp['request']>[2],
  ): Promise<HttpResult> {
    const before = await snapshot(app);
    const res = await app.request(method, path, options);
    expect(await snapshot(app)).toBe(before);
    return res;
  }

  describe('400', () => {
    it('malformed JSON on POST and PATCH', async () => {
      const post = await rejected('POST', CUSTOMER_PATH, {
        rawBody: '{"name": "x",',
        headers: { 'content-type': 'application/json' },
      });
      expectTmfError(post, 400, 'MALFORMED_JSON');
      const patch = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        rawBody: '{name',
        headers: { 'content-type': 'application/json' },
      });
      expectTmfError(patch, 400, 'MALFORMED_JSON');
    });

    it('an empty body', async () => {
      const res = await rejected('POST', CUSTOMER_PATH, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      expectTmfError(res, 400);
    });

    it('a body that is not an object', async () => {
      expectTmfError(await rejected('POST', CUSTOMER_PATH, { body: [minimalCustomer()] }), 400);
      expectTmfError(await rejected('POST', CUSTOMER_PATH, { body: 'text' }), 400);
    });

    it('prototype pollution attempts', async () => {
      const res = await rejected('POST', CUSTOMER_PATH, {
        rawBody:
          '{"name":"x","engagedParty":{"id":"1","@referredType":"O"},"__proto__":{"admin":true}}',
        headers: { 'content-type': 'application/json' },
      });
      expectTmfError(res, 400, 'UNSUPPORTED_JSON');
      // Valid JSON: the answer says what is refused, not "malformed".
      expect(res.json.message).toBe(
        'JSON body refused: a member named "__proto__" (or "constructor" holding "prototype") is not accepted',
      );
    });

    it('an empty @type (the README says an absent one is Customer; empty is no type)', async () => {
      const res = await rejected('POST', CUSTOMER_PATH, {
        body: { ...minimalCustomer(), '@type': '' },
      });
      expectTmfError(res, 400, 'INVALID_CUSTOMER');
      expect(res.json.message).toContain('@type');
    });

    it('a validFor that ends before it starts, at any depth', async () => {
      const backwards = {
        startDateTime: '2024-05-02T00:00:00Z',
        endDateTime: '2024-05-01T00:00:00Z',
      };
      const top = await rejected('POST', CUSTOMER_PATH, {
        body: { ...minimalCustomer(), validFor: backwards },
      });
      expectTmfError(top, 400, 'INVALID_CUSTOMER');
      expect(top.json.message).toContain('validFor.endDateTime');
      const nested = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        body: { contactMedium: [{ mediumType: 'email', characteristic: {}, validFor: backwards }] },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expectTmfError(nested, 400, 'INVALID_CUSTOMER');
      expect(nested.json.message).toContain('contactMedium[0].validFor.endDateTime');
      // The same instant written two ways is not "before".
      const same = await app.request('POST', CUSTOMER_PATH, {
        body: {
          ...minimalCustomer(),
          validFor: {
            startDateTime: '2024-05-01T02:00:00+02:00',
            endDateTime: '2024-05-01T00:00:00Z',
          },
        },
      });
      expect(same.status).toBe(201);
      await app.request('DELETE', `${CUSTOMER_PATH}/${same.json.id}`);
    });

    it('attribute names of Object.prototype, at any depth, even in extensions', async () => {
      // Once a 500 (class-transformer crashed) or silently stored (the unknown-attribute check missed them).
      const bodies = [
        { ...minimalCustomer(), constructor: {} },
        { ...minimalCustomer(), toString: 'x' },
        {
          ...minimalCustomer(),
          engagedParty: { id: [{ constructor: 'x' }], '@referredType': 'O' },
        },
        {
          ...minimalCustomer(),
          '@schemaLocation': 'https://example.com/ext.json',
          hasOwnProperty: 1,
        },
        { ...minimalCustomer(), characteristic: [{ name: 'c', value: { valueOf: 2 } }] },
      ];
      for (const body of bodies) {
        const res = await rejected('POST', CUSTOMER_PATH, { body });
        expectTmfError(res, 400);
        expect(res.json.message).toMatch(/reserved/);
      }
      const patch = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        body: { constructor: { name: 'x' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expectTmfError(patch, 400);
    });

    it('failed validation names every failing attribute path', async () => {
      const res = await rejected('POST', CUSTOMER_PATH, {
        body: {
          name: 42,
          engagedParty: { id: '1' },
          account: [{ id: 'a' }],
          agreement: [{ name: 'no id' }],
          paymentMethod: [{}],
          characteristic: [{ name: 'c' }, { value: 1 }],
          contactMedium: [{ mediumType: 'email' }, { characteristic: {} }],
          creditProfile: [{ creditScore: 'high' }],
          relatedParty: [{ role: 'x' }],
          validFor: { startDateTime: '2024-13-01T00:00:00Z' },
          status: null,
          bogus: true,
        },
      });
      expectTmfError(res, 400, 'INVALID_CUSTOMER');
      for (const path of [
        'name',
        'engagedParty.@referredType',
        'account[0].name',
        'agreement[0].id',
        'paymentMethod[0].id',
        'characteristic[0].value',
        'characteristic[1].name',
        'contactMedium[0].characteristic',
        'contactMedium[1].mediumType',
        'creditProfile[0].creditProfileDate',
        'creditProfile[0].validFor',
        'creditProfile[0].creditScore',
        'relatedParty[0].id',
        'relatedParty[0].@referredType',
        'validFor.startDateTime',
        'status',
        'bogus',
      ]) {
        expect(res.json.message).toContain(path);
      }
    });

    it('missing name or engagedParty on create', async () => {
      const noName = await rejected('POST', CUSTOMER_PATH, {
        body: { engagedParty: { id: '1', '@referredType': 'Organization' } },
      });
      expectTmfError(noName, 400);
      expect(noName.json.message).toContain('name is required');
      const noParty = await rejected('POST', CUSTOMER_PATH, { body: { name: 'x' } });
      expect(noParty.json.message).toContain('engagedParty is required');
    });

    it('date-times must be ISO 8601 with a time zone', async () => {
      for (const bad of [
        '2024-01-01',
        '2024-01-01T10:00:00',
        'yesterday',
        '2024-02-30T00:00:00Z',
      ]) {
        const res = await rejected('POST', CUSTOMER_PATH, {
          body: { ...minimalCustomer(), validFor: { startDateTime: bad } },
        });
        expectTmfError(res, 400);
        expect(res.json.message).toContain('validFor.startDateTime');
      }
    });

    it('unknown attributes are refused (no @schemaLocation) rather than dropped', async () => {
      const res = await rejected('POST', CUSTOMER_PATH, {
        body: {
          ...minimalCustomer(),
          nickname: 'x',
          engagedParty: { id: '1', '@referredType': 'O', extra: 1 },
        },
      });
      expectTmfError(res, 400);
      expect(res.json.message).toContain('nickname');
      expect(res.json.message).toContain('engagedParty.extra');
    });

    it('id or href in a POST or PATCH body', async () => {
      const post = await rejected('POST', CUSTOMER_PATH, {
        body: { ...minimalCustomer(), id: 'mine' },
      });
      expectTmfError(post, 400, 'IMMUTABLE_ATTRIBUTE');
      const patchId = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        body: { id: 'other' },
      });
      expectTmfError(patchId, 400, 'IMMUTABLE_ATTRIBUTE');
      const patchHref = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        body: { href: existing.href },
      });
      expectTmfError(patchHref, 400, 'IMMUTABLE_ATTRIBUTE');
    });

    it('a PATCH whose result is invalid (engagedParty or name removed, bad value) changes nothing', async () => {
      for (const body of [
        { engagedParty: null },
        { name: null },
        { engagedParty: { id: null } },
        { validFor: { startDateTime: 'soon' } },
        { name: 'ok', contactMedium: [{}] },
      ]) {
        const res = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, { body });
        expectTmfError(res, 400, 'INVALID_CUSTOMER');
      }
      const read = await app.request('GET', `${CUSTOMER_PATH}/${existing.id}`);
      expect(read.json).toEqual(existing);
    });

    it('invalid list parameters', async () => {
      for (const q of [
        'limit=-1',
        'limit=abc',
        'offset=-5',
        'offset=1.5',
        'limit=100000',
        'unknownAttr=1',
        'name%=bad',
      ]) {
        const res = await app.request('GET', `${CUSTOMER_PATH}?${q}`);
        expectTmfError(res, 400);
      }
    });
  });

  it('404 for an unknown customer and an unknown path', async () => {
    expectTmfError(
      await app.request('GET', `${CUSTOMER_PATH}/c2df1950-c17c-4576-9c22-e59073a4a86a`),
      404,
    );
    expectTmfError(await rejected('DELETE', `${CUSTOMER_PATH}/nope`, {}), 404);
    expectTmfError(await app.request('GET', '/tmf-api/customerManagement/v4/nothing-here'), 404);
  });

  it('405 with Allow for a method the resource does not support', async () => {
    const put = await rejected('PUT', `${CUSTOMER_PATH}/${existing.id}`, {
      body: minimalCustomer(),
    });
    expectTmfError(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    const del = await rejected('DELETE', CUSTOMER_PATH, {});
    expectTmfError(del, 405);
    expect(del.headers.get('allow')).toBe('GET, HEAD, POST');
    // A method Fastify has no route table for at all (QUERY, without a body) was a 400.
    for (const method of ['QUERY', 'PROPFIND']) {
      const other = await rejected(method, CUSTOMER_PATH, {});
      expectTmfError(other, 405, 'METHOD_NOT_ALLOWED');
      expect(other.headers.get('allow')).toBe('GET, HEAD, POST');
    }
  });

  it('413 for a body over BODY_LIMIT_BYTES', async () => {
    const big = { ...minimalCustomer(), statusReason: 'x'.repeat(5000) };
    expectTmfError(await rejected('POST', CUSTOMER_PATH, { body: big }), 413);
    expectTmfError(
      await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
        body: { statusReason: 'y'.repeat(5000) },
      }),
      413,
    );
  });

  it('415 for an unsupported content type, listing what is accepted', async () => {
    const text = await rejected('POST', CUSTOMER_PATH, {
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectTmfError(text, 415);
    // POST lists what POST takes, not the PATCH formats.
    expect(text.json.message).toBe(
      'Content-Type text/plain is not supported; this operation accepts application/json',
    );
    const form = await rejected('POST', CUSTOMER_PATH, {
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectTmfError(form, 415);
    const mergeOnPost = await rejected('POST', CUSTOMER_PATH, {
      body: minimalCustomer(),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expectTmfError(mergeOnPost, 415);
    expect(mergeOnPost.json.message).toContain('application/json');
    const xmlPatch = await rejected('PATCH', `${CUSTOMER_PATH}/${existing.id}`, {
      rawBody: '<a/>',
      headers: { 'content-type': 'application/xml' },
    });
    expectTmfError(xmlPatch, 415);
    expect(xmlPatch.json.message).toContain('application/json-patch-query+json');
    const noType = await rejected('POST', CUSTOMER_PATH, { rawBody: '{}' });
    expect([400, 415]).toContain(noType.status);
    expect(noType.json['@type']).toBe('Error');
  });

  it('500: a generic TMF Error with a correlation id, logged with the stack', async () => {
    // A real unexpected failure: the table disappears under the running server.
    const other = await TestApp.start();
    try {
      await other.dataSource.query('DROP TABLE customer');
      const res = await other.request('GET', `${CUSTOMER_PATH}/${existing.id}`);
      expectTmfError(res, 500, 'INTERNAL_ERROR');
      const correlationId = res.headers.get('x-correlation-id');
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.json.message).toContain(correlationId);
      expect(res.text).not.toMatch(/customer|sqlite|mysql|at .*\(/i);
      const logged = other.logger.lines.find((l) => l.includes(correlationId!));
      expect(logged).toBeDefined();
      expect(logged).toMatch(/\n\s+at /); // the stack
    } finally {
      await other.close();
    }
  });
});
