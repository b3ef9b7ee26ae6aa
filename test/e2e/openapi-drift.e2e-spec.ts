import addFormats from 'ajv-formats';
import { OpenAPIBackend, SetMatchType } from 'openapi-backend';

import { fullCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { ADMIN_HEADERS, HUB_ADMIN_TOKEN } from './support/hub';
import { HttpResult, TestApp } from './support/test-app';

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: object }>;
}
interface Case {
  label: string;
  operation: Operation;
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** The status the case is written to provoke. */
  expect: number;
}

/**
 * The OpenAPI document cannot drift from the server: requests generated from /docs-json (each
 * documented example, and the negative cases each operation documents: 400, 404, 405-free 412, 304,
 * 206, 413, 414, 415, 501) are replayed, and every answer is validated against the document with
 * an independent validator (openapi-backend): the status must be documented for the operation, the
 * body must match its schema and the headers their schemas.
 */
describe(`OpenAPI document vs the server (${TEST_DB})`, () => {
  let app: TestApp;
  let doc: any;
  let api: OpenAPIBackend;
  const operations: { method: string; template: string; operation: Operation }[] = [];

  beforeAll(async () => {
    app = await TestApp.start({
      HUB_ADMIN_TOKEN,
      BODY_LIMIT_BYTES: '65536',
      HUB_CALLBACK_ALLOW: 'crm.example.com',
    });
    // Two customers at least, so that limit=1 is a partial page (206).
    await createCustomer(app, fullCustomer());
    await createCustomer(app, fullCustomer());
    doc = (await app.request('GET', '/docs-json')).json;
    api = new OpenAPIBackend({
      definition: structuredClone(doc),
      strict: false,
      validate: true,
      customizeAjv: (ajv) => {
        addFormats(ajv); // uri, date-time: the formats the document uses are checked, not ignored
        return ajv;
      },
    });
    await api.init();
    for (const [template, item] of Object.entries(doc.paths as Record<string, any>)) {
      for (const method of ['get', 'post', 'patch', 'delete']) {
        if (item[method]) {
          operations.push({ method: method.toUpperCase(), template, operation: item[method] });
        }
      }
    }
  });
  afterAll(async () => {
    await app.close();
  });

  function exampleQuery(operation: Operation): string {
    return (
      (operation.parameters ?? [])
        .filter((p) => p.in === 'query' && (p.example ?? p.schema?.example) !== undefined)
        .filter((p) => typeof (p.example ?? p.schema?.example) !== 'object')
        .map((p) => `${p.name}=${encodeURIComponent(String(p.example ?? p.schema?.example))}`)
        // A raw comma separates list items in TMF630 (%2C would be a literal comma).
        .map((term) => term.replace(/%2C/g, ','))
        .join('&')
    );
  }

  /** Cases for one operation, with path ids resolved against live resources. */
  async function casesFor(method: string, template: string, operation: Operation): Promise<Case[]> {
    const cases: Case[] = [];
    const customer = template.startsWith(CUSTOMER_PATH)
      ? await createCustomer(app, fullCustomer())
      : undefined;
    const id = customer?.id ?? 'unknown-id';
    const path = template.replace('{id}', id);
    const add = (label: string, expect: number, extra: Partial<Case> = {}) =>
      cases.push({
        label: `${operation.operationId}: ${label}`,
        operation,
        method,
        path,
        expect,
        ...extra,
      });
    const content = operation.requestBody?.content ?? {};
    if (Object.keys(content).length === 0) {
      const query = exampleQuery(operation);
      const ok = method === 'DELETE' ? 204 : 200;
      add('documented parameters', template.includes('{id}') && !customer ? 404 : ok, {
        path: query ? `${path}?${query}` : path,
      });
    }
    for (const [type, media] of Object.entries(content)) {
      add(
        `example ${type}`,
        method === 'POST' && operation.operationId !== 'redriveDeadLetters' ? 201 : 200,
        {
          rawBody: JSON.stringify(media.example),
          headers: { 'content-type': type },
        },
      );
    }
    if (Object.keys(content).length > 0) {
      const type = Object.keys(content)[0];
      add('empty object', 400, {
        rawBody: type.includes('json-patch') ? '[{}]' : '{"x":1}',
        headers: { 'content-type': type },
      });
      add('malformed JSON', 400, { rawBody: '{"a":', headers: { 'content-type': type } });
      add('text/plain', 415, { rawBody: 'x', headers: { 'content-type': 'text/plain' } });
      add('over BODY_LIMIT_BYTES', 413, {
        rawBody: JSON.stringify({ name: 'x'.repeat(70000) }),
        headers: { 'content-type': type },
      });
    }
    add('undeclared query parameter', 400, { path: `${path}?undeclared=1` });
    if (template.includes('{id}')) {
      add('unknown id', 404, {
        path: template.replace('{id}', '00000000-0000-7000-8000-000000000000'),
        ...(content['application/merge-patch+json']
          ? {
              rawBody: '{"status":"x"}',
              headers: { 'content-type': 'application/merge-patch+json' },
            }
          : {}),
      });
      add('path segment over 100 characters', 414, {
        path: template.replace('{id}', 'x'.repeat(101)),
      });
    }
    switch (operation.operationId) {
      case 'listCustomer':
        add('a partial page', 206, { path: `${path}?limit=1` });
        add('filter= (JSONPath)', 501, { path: `${path}?filter=$` });
        add('unknown field', 400, { path: `${path}?fields=nmae` });
        add('limit over the maximum', 400, { path: `${path}?limit=1000000` });
        break;
      case 'retrieveCustomer':
        add('If-None-Match current', 304, { headers: { 'if-none-match': '"1"' } });
        break;
      case 'patchCustomer':
      case 'deleteCustomer':
        add('stale If-Match', 412, {
          // A customer of its own: the DELETE above removed the first one.
          path: template.replace('{id}', (await createCustomer(app, fullCustomer())).id),
          headers: {
            'if-match': '"99"',
            ...(method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {}),
          },
          ...(method === 'PATCH' ? { rawBody: '{"status":"x"}' } : {}),
        });
        break;
      default:
        break;
    }
    return cases;
  }

  function problems(c: Case, res: HttpResult): string[] {
    const out: string[] = [];
    const status = String(res.status);
    const documented = c.operation.responses[status];
    if (!documented) {
      return [`${c.label}: status ${status} is not documented (${res.text.slice(0, 200)})`];
    }
    if (res.status !== c.expect) {
      out.push(`${c.label}: expected ${c.expect}, got ${status} ${res.text.slice(0, 200)}`);
    }
    if (documented.content && res.text !== '') {
      const body = api.validateResponse(res.json, c.operation.operationId, res.status);
      for (const e of body.errors ?? []) {
        out.push(`${c.label}: body ${e.instancePath} ${e.message} (${JSON.stringify(e.params)})`);
      }
    } else if (!documented.content && res.text !== '') {
      out.push(`${c.label}: a body where the document declares none`);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    const checked = api.validateResponseHeaders(headers, c.operation.operationId, {
      statusCode: res.status,
      setMatchType: SetMatchType.Superset,
    });
    for (const e of checked.errors ?? []) {
      out.push(`${c.label}: headers ${e.instancePath} ${e.message}`);
    }
    return out;
  }

  it('documents and answers every generated request as documented', async () => {
    const failures: string[] = [];
    let validated = 0;
    for (const { method, template, operation } of operations) {
      for (const c of await casesFor(method, template, operation)) {
        const headers = {
          ...(c.path.startsWith('/hub-admin') ? ADMIN_HEADERS : {}),
          ...(c.headers ?? {}),
        };
        const res = await app.request(c.method, c.path, {
          rawBody: c.rawBody,
          headers,
        });
        failures.push(...problems(c, res));
        validated++;
      }
    }
    console.log(
      `DRIFT [${TEST_DB}] operations ${operations.length}, responses validated ${validated}, failures ${failures.length}`,
    );
    expect(operations.length).toBeGreaterThanOrEqual(17);
    expect(failures).toEqual([]);
  });
});
