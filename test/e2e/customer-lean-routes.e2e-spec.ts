import { AuthGuard } from '@server/auth/auth.guard';
import { minimalCustomer } from '@test/fixtures/customers';

import { authEnv, bearer, keyPair, token as signed } from './support/bearer-auth';
import { CUSTOMER_PATH, createCustomer, snapshot } from './support/customers';
import { HUB_PATH } from './support/hub';
import { TestApp } from './support/test-app';

// The customer routes (v4 and both v5 roots) are served by Fastify without Nest's guards, interceptors
// and exception zone (http/lean-routes.ts). Their edge must stay the Nest one: the access check on
// every operation before anything else, the query check, the TMF Error bodies, the 404 of an empty id.

const V5 = '/tmf-api/customerManagement/v5/customer';
const V5_ALIAS = '/tmf-api/customer/v5/customer';
const ROOTS = [CUSTOMER_PATH, V5, V5_ALIAS];

interface Operation {
  method: string;
  path: (root: string, id: string) => string;
  write: boolean;
  body?: (root: string) => Record<string, unknown>;
}

const OPERATIONS: Operation[] = [
  { method: 'GET', path: (root) => root, write: false },
  { method: 'GET', path: (root, id) => `${root}/${id}`, write: false },
  { method: 'POST', path: (root) => root, write: true, body: customerFor },
  {
    method: 'PATCH',
    path: (root, id) => `${root}/${id}`,
    write: true,
    body: () => ({ name: 'Sun Football Club' }),
  },
  { method: 'DELETE', path: (root, id) => `${root}/${id}`, write: true },
];

function customerFor(root: string): Record<string, unknown> {
  return root === CUSTOMER_PATH
    ? minimalCustomer()
    : {
        '@type': 'Customer',
        name: 'Moon Football Club',
        engagedParty: { '@type': 'PartyRef', id: '500', '@referredType': 'Organization' },
      };
}

// A query the route's query check refuses: the list takes free-form attribute filters, not a bad limit.
function badQuery(op: Operation): { query: string; code: string; name: string } {
  return op.method === 'GET' && op.path('', '') === ''
    ? { query: 'limit=abc', code: 'QUERY_PARAMETER_INVALID', name: 'limit' }
    : { query: 'unexpected=1', code: 'QUERY_PARAMETER_UNKNOWN', name: 'unexpected' };
}

function label(root: string, op: Operation): string {
  return `${op.method} ${op.path(root, '{id}')}`;
}

describe('customer routes served without Nest: access checks (AUTH_ENABLED)', () => {
  const keys = keyPair();
  let app: TestApp;
  let id: string;

  async function token(scope: string): Promise<Record<string, string>> {
    return bearer(await signed(keys.privateKey, { scope }));
  }

  beforeAll(async () => {
    app = await TestApp.start(authEnv(keys.publicKey));
    const created = await app.request('POST', CUSTOMER_PATH, {
      body: minimalCustomer(),
      headers: await token('customer:write'),
    });
    id = String(created.json.id);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 with a TMF Error and WWW-Authenticate on every operation without a token, before the query check, changing nothing', async () => {
    const before = await snapshot(app);
    for (const root of ROOTS) {
      for (const op of OPERATIONS) {
        for (const query of ['', `?${badQuery(op).query}`]) {
          const res = await app.request(op.method, `${op.path(root, id)}${query}`, {
            body: op.body?.(root),
          });
          expect([label(root, op), query, res.status]).toEqual([label(root, op), query, 401]);
          expect(res.json).toMatchObject({ '@type': 'Error', status: '401' });
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
      }
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('answers 403 INSUFFICIENT_SCOPE for a token without the operation scope, before the query check', async () => {
    const readOnly = await token('customer:read');
    const writeOnly = await token('customer:write');
    const before = await snapshot(app);
    for (const root of ROOTS) {
      for (const op of OPERATIONS) {
        const res = await app.request(op.method, `${op.path(root, id)}?${badQuery(op).query}`, {
          body: op.body?.(root),
          headers: op.write ? readOnly : writeOnly,
        });
        expect([label(root, op), res.status]).toEqual([label(root, op), 403]);
        expect(res.json).toMatchObject({ '@type': 'Error', code: 'INSUFFICIENT_SCOPE' });
        expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
      }
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('with the scope, checks the query (400 naming the parameter) and then serves the operation', async () => {
    const both = await token('customer:read customer:write');
    for (const root of ROOTS) {
      for (const op of OPERATIONS.filter((o) => o.method !== 'DELETE')) {
        const bad = badQuery(op);
        const refused = await app.request(op.method, `${op.path(root, id)}?${bad.query}`, {
          body: op.body?.(root),
          headers: both,
        });
        expect([label(root, op), refused.status]).toEqual([label(root, op), 400]);
        expect(refused.json).toMatchObject({
          '@type': 'Error',
          code: bad.code,
          message: expect.stringContaining(`'${bad.name}'`) as unknown,
        });
        const served = await app.request(op.method, op.path(root, id), {
          body: op.body?.(root),
          headers: both,
        });
        expect([label(root, op), served.status]).toEqual([
          label(root, op),
          op.method === 'POST' ? 201 : 200,
        ]);
      }
    }
    const deleted = await app.request('DELETE', `${CUSTOMER_PATH}/${id}`, { headers: both });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
  });
});

describe('customer routes served without Nest: the edge', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs no Nest guard on the customer routes, and Nest still serves the others', async () => {
    const guard = jest.spyOn(AuthGuard.prototype, 'canActivate');
    try {
      const created = await createCustomer(app);
      for (const root of ROOTS) {
        expect((await app.request('GET', `${root}/${created.id}`)).status).toBe(200);
        expect((await app.request('GET', root)).status).toBe(200);
      }
      expect(guard).not.toHaveBeenCalled();
      expect((await app.request('GET', `${HUB_PATH}/no-such-subscription`)).status).toBe(404);
      expect(guard).toHaveBeenCalled();
    } finally {
      guard.mockRestore();
    }
  });

  it('answers an empty id segment as Nest does (a TMF 404 for no resource), on every method', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await app.request(method, `${CUSTOMER_PATH}//`, {
        body: method === 'PATCH' ? {} : undefined,
      });
      expect([method, res.status]).toEqual([method, 404]);
      expect(res.json).toMatchObject({ '@type': 'Error', status: '404' });
    }
  });

  it('answers an unknown id with a TMF 404 naming it, on every root', async () => {
    for (const root of ROOTS) {
      const res = await app.request('GET', `${root}/no-such-id`);
      expect([root, res.status]).toEqual([root, 404]);
      expect(res.json).toMatchObject({ '@type': 'Error', status: '404' });
      expect(res.json.message).toContain('no-such-id');
    }
  });

  it('labels the request metrics with the route template', async () => {
    const created = await createCustomer(app);
    await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
    const metrics = (await app.request('GET', '/metrics')).text;
    expect(metrics).toMatch(
      new RegExp(`method="GET",route="${CUSTOMER_PATH.replace(/\//g, '\\/')}\\/:id",status="200"`),
    );
  });
});
