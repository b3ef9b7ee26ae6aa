import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { ADMIN_HEADERS, HUB_ADMIN_TOKEN, HUB_PATH, subscribe } from './support/hub';
import { TestApp } from './support/test-app';

interface Parameter {
  name: string;
  in: string;
  example?: string | number;
  schema?: { type?: string; minimum?: number; maximum?: number; example?: string | number };
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
}
interface Case {
  label: string;
  method: string;
  path: string;
  query: string;
}

const METHODS = ['get', 'post', 'patch', 'delete'];

/**
 * Every route's query parameters, as /docs-json declares them, swept with repeats, malformed values and
 * undeclared names: each gets a 400 with a TMF Error naming the parameter (never a 500, never an array
 * reaching a controller), while each declared parameter given once is accepted.
 */
describe('query parameters of every route', () => {
  let app: TestApp;
  let operations: { method: string; path: string; operation: Operation }[];

  beforeAll(async () => {
    app = await TestApp.start({ HUB_ADMIN_TOKEN, HUB_CALLBACK_ALLOW: '127.0.0.0/8' });
    const customer = await createCustomer(app);
    const subscription = await subscribe(app, 'http://127.0.0.1:9/callback');
    const doc = (await app.request('GET', '/docs-json')).json;
    operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([template, item]) =>
        METHODS.filter((m) => item[m]).map((method) => ({
          method: method.toUpperCase(),
          path: template.replace('{id}', () =>
            template.startsWith(CUSTOMER_PATH)
              ? String(customer.id)
              : template.startsWith(HUB_PATH)
                ? subscription
                : '1',
          ),
          operation: item[method],
        })),
    );
  });
  afterAll(async () => {
    await app.close();
  });

  async function send(c: Case) {
    const body = c.method === 'POST' || c.method === 'PATCH' ? { body: {} } : {};
    const headers = c.path.startsWith('/hub-admin') ? ADMIN_HEADERS : undefined;
    return app.request(c.method, `${c.path}?${c.query}`, { ...body, headers });
  }

  function sample(parameter: Parameter): string {
    const value =
      parameter.example ??
      parameter.schema?.example ??
      (parameter.schema?.type === 'integer' ? (parameter.schema.minimum ?? 0) : 'x');
    return encodeURIComponent(String(value));
  }

  function cases(kind: 'repeated' | 'malformed' | 'undeclared' | 'once'): Case[] {
    const out: Case[] = [];
    for (const { method, path, operation } of operations) {
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      const scalars = query.filter((p) => p.schema?.type !== 'object');
      const add = (label: string, q: string) =>
        out.push({ label: `${operation.operationId} ${label}`, method, path, query: q });
      for (const p of scalars) {
        const v = sample(p);
        if (kind === 'once') {
          add(`${p.name}=${v}`, `${p.name}=${v}`);
        } else if (kind === 'repeated') {
          add(`${p.name} twice`, `${p.name}=${v}&${p.name}=${v}`);
          add(`${p.name} three times`, `${p.name}=${v}&other=1&${p.name}=${v}&${p.name}=`);
        } else if (kind === 'malformed' && p.schema?.type === 'integer') {
          add(`${p.name}=abc`, `${p.name}=abc`);
          add(`${p.name}=1.5`, `${p.name}=1.5`);
          add(`${p.name}=`, `${p.name}=`);
          if (p.schema.minimum !== undefined) {
            add(`${p.name} below minimum`, `${p.name}=${p.schema.minimum - 1}`);
          }
          if (p.schema.maximum !== undefined) {
            add(`${p.name} over maximum`, `${p.name}=${p.schema.maximum + 1}`);
          }
        }
      }
      if (kind === 'undeclared' && scalars.length === query.length) {
        add('undeclared', 'unexpected=1');
        add('undeclared, repeated', 'unexpected=1&unexpected=2');
      }
    }
    return out;
  }

  it('documents query parameters on the routes that read them', () => {
    const declared = operations.flatMap(({ operation }) =>
      (operation.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => `${operation.operationId}.${p.name}`),
    );
    expect(declared).toEqual(
      expect.arrayContaining([
        'listCustomer.filters',
        'listCustomer.fields',
        'listCustomer.sort',
        'listCustomer.offset',
        'listCustomer.limit',
        'retrieveCustomer.fields',
        'listDeadLetters.subscriptionId',
        'listDeadLetters.offset',
        'listDeadLetters.limit',
      ]),
    );
  });

  it.each([
    ['repeated', 'QUERY_PARAMETER_REPEATED|QUERY_PARAMETER_UNKNOWN'],
    ['malformed', 'QUERY_PARAMETER_INVALID'],
    ['undeclared', 'QUERY_PARAMETER_UNKNOWN'],
  ] as const)('answers a 400 naming the parameter to every %s parameter', async (kind, codes) => {
    const all = cases(kind);
    expect(all.length).toBeGreaterThan(kind === 'undeclared' ? 15 : 5);
    const wrong: string[] = [];
    for (const c of all) {
      const res = await send(c);
      const name = c.query.split('=')[0];
      if (
        res.status !== 400 ||
        !new RegExp(`^(${codes})$`).test(String(res.json?.code)) ||
        !String(res.json?.message).includes(`'${name}'`) ||
        res.json?.['@type'] !== 'Error'
      ) {
        wrong.push(`${c.label}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('accepts each declared parameter given once', async () => {
    const all = cases('once');
    expect(all.length).toBeGreaterThanOrEqual(8);
    const wrong: string[] = [];
    for (const c of all) {
      const res = await send(c);
      if (res.status >= 500 || String(res.json?.code).startsWith('QUERY_PARAMETER')) {
        wrong.push(`${c.label}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives a repeated attribute filter its documented meaning (OR) and refuses repeated reserved ones', async () => {
    const or = await app.request('GET', `${CUSTOMER_PATH}?name=Moon%20Football%20Club&name=x`);
    expect(or.status).toBe(200);
    expect(or.json).toHaveLength(1);
    const none = await app.request('GET', `${CUSTOMER_PATH}?name=y&name=x`);
    expect(none.json).toHaveLength(0);
    for (const query of ['fields=name&fields=status', 'sort=name&sort=-name', 'limit=1&limit=2']) {
      const res = await app.request('GET', `${CUSTOMER_PATH}?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  it('refuses a dead-letter filter given twice (was a 500 from the database)', async () => {
    const res = await app.request(
      'GET',
      '/hub-admin/dead-letters?subscriptionId=a&subscriptionId=b',
      { headers: ADMIN_HEADERS },
    );
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('QUERY_PARAMETER_REPEATED');
    expect(res.json.message).toBe(
      "Query parameter 'subscriptionId' is given 2 times; give it once",
    );
  });

  it('answers an unknown name in fields with a 400 on a list and on a read', async () => {
    const [customer] = (await app.request('GET', `${CUSTOMER_PATH}?limit=1`)).json;
    for (const path of [CUSTOMER_PATH, `${CUSTOMER_PATH}/${customer.id}`]) {
      const res = await app.request('GET', `${path}?fields=nmae`);
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('QUERY_UNKNOWN_ATTRIBUTE');
      expect(res.json.message).toContain("'nmae'");
    }
  });
});
