// Property-based fuzzing (fast-check) of the real server over real HTTP, on SQLite or MariaDB
// (TEST_DB=mysql). FUZZ_RUNS cases per target (npm run test:faults runs many more); FUZZ_SEED
// replays a run. Every answer is < 500, every 4xx is a TMF Error, and no rejected request (and no
// read) changes a single stored row.
import fc from 'fast-check';

import {
  contentType,
  FUZZ_BODY_LIMIT,
  hostileJson,
  hostileJsonText,
  hubBody,
  idSegment,
  jsonPatchBody,
  jsonPatchQueryBody,
  mergePatchBody,
  mutatedCustomer,
  queryString,
  sendable,
} from '@test/support/fuzz/arbitraries';
import { HttpFuzzer } from '@test/support/fuzz/http-fuzzer';
import { rawRequest, RawResponse } from '@test/support/raw-http';
import { fullCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH } from './support/customers';
import { HUB_PATH, LISTENER_PATH } from './support/hub';
import { TestApp } from './support/test-app';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PARAMS: fc.Parameters<unknown> = { numRuns: RUNS, seed: SEED, verbose: 1 };
// A case is a few requests; a run is RUNS of them, plus shrinking if one fails.
const TIMEOUT = 60_000 + RUNS * 200;

function jsonHeaders(type: string | undefined): Record<string, string> {
  const value = sendable(type);
  return value === undefined ? {} : { 'content-type': value };
}

describe(`HTTP fuzzing: hostile input never breaks the server or the store (${TEST_DB})`, () => {
  let app: TestApp;
  let fuzzer: HttpFuzzer;
  let patched: string;

  async function call(method: string, path: string, body?: unknown): Promise<RawResponse> {
    return rawRequest(app.baseUrl, {
      method,
      path,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** The outbox rows of accepted writes are cleared (nothing delivers them here) to keep checksums cheap. */
  async function clearOutbox(): Promise<void> {
    await app.dataSource.query('DELETE FROM hub_outbox');
    await app.dataSource.query('DELETE FROM hub_delivery');
    await app.dataSource.query('DELETE FROM hub_event');
  }

  /** A 201: the stored customer is exactly the acknowledged one, its event is in the outbox; then it goes. */
  async function verifyCreated(target: string, res: RawResponse): Promise<void> {
    expect(res.status).toBe(201);
    const id = res.json.id as string;
    const stored = await call('GET', `${CUSTOMER_PATH}/${id}`);
    expect(stored.json).toEqual(res.json);
    // The outbox was emptied after the previous accepted write: this write's change is its one row,
    // holding its v4 event only (the one subscription is v4: no v5 event is built; ADR 0010).
    const changes = await app.dataSource.query('SELECT payload FROM hub_outbox');
    const events = changes.flatMap((c: { payload: string }) => JSON.parse(c.payload));
    expect(events.map((e: any) => [e.eventType, e.event.customer.id, e['@type']])).toEqual([
      ['CustomerCreateEvent', id, undefined],
    ]);
    expect((await call('DELETE', `${CUSTOMER_PATH}/${id}`)).status).toBe(204);
    await clearOutbox();
    await fuzzer.accept(target);
  }

  /** A 200 PATCH: what is stored is what was acknowledged. */
  async function verifyPatched(target: string, res: RawResponse): Promise<void> {
    expect(res.status).toBe(200);
    const stored = await call('GET', `${CUSTOMER_PATH}/${patched}`);
    expect(stored.json).toEqual(res.json);
    expect(stored.headers.etag).toBe(res.headers.etag);
    await clearOutbox();
    await fuzzer.accept(target);
  }

  beforeAll(async () => {
    app = await TestApp.start({
      BODY_LIMIT_BYTES: String(FUZZ_BODY_LIMIT),
      // Outbox rows stay put (nothing delivers), so the checksum also proves no event was queued.
      HUB_DISPATCH_ENABLED: 'false',
      HUB_CALLBACK_ALLOW: '127.0.0.0/8',
      LOG_LEVEL: 'fatal',
    });
    fuzzer = new HttpFuzzer(app);
    // One subscription to everything: every accepted write queues an event, a rejected one none.
    const hub = await call('POST', HUB_PATH, { callback: 'http://127.0.0.1:9/fuzz' });
    expect(hub.status).toBe(201);
    const created = await call('POST', CUSTOMER_PATH, fullCustomer());
    expect(created.status).toBe(201);
    patched = created.json.id;
    await clearOutbox();
    await fuzzer.refreshBaseline();
  });

  afterAll(async () => {
    if (fuzzer) {
      process.stdout.write(`\n${fuzzer.summary(`${TEST_DB}, ${RUNS} runs`)}\n`);
    }
    await app?.close();
  });

  it(
    'POST /customer with random JSON values',
    async () => {
      const target = 'POST customer, random JSON';
      await fc.assert(
        fc.asyncProperty(hostileJson, async (body) => {
          const res = await fuzzer.send(target, {
            method: 'POST',
            path: CUSTOMER_PATH,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body) ?? 'null',
          });
          if (res.status < 300) {
            await verifyCreated(target, res);
          }
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  it(
    'POST /customer with valid customers mutated at random (validation paths)',
    async () => {
      const target = 'POST customer, mutated customers';
      await fc.assert(
        fc.asyncProperty(mutatedCustomer, async (body) => {
          const res = await fuzzer.send(target, {
            method: 'POST',
            path: CUSTOMER_PATH,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          if (res.status < 300) {
            await verifyCreated(target, res);
          }
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  it(
    'POST /customer with hostile JSON texts under every content type (or none)',
    async () => {
      const target = 'POST customer, hostile texts x content types';
      await fc.assert(
        fc.asyncProperty(hostileJsonText, contentType, async (body, type) => {
          const res = await fuzzer.send(target, {
            method: 'POST',
            path: CUSTOMER_PATH,
            headers: jsonHeaders(type),
            body,
          });
          if (res.status < 300) {
            await verifyCreated(target, res);
          }
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  // An If-Match on one PATCH in four (most are stale: 412).
  const IF_MATCH = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('*', '"1"', '"999"', 'W/"1"', 'garbage', '""') },
  );

  for (const [name, bodies, types] of [
    [
      'merge patch',
      mergePatchBody,
      fc.constantFrom('application/merge-patch+json', 'application/json'),
    ],
    ['JSON Patch', jsonPatchBody, fc.constant('application/json-patch+json')],
    ['JSON Patch Query', jsonPatchQueryBody, fc.constant('application/json-patch-query+json')],
  ] as const) {
    it(
      `PATCH /customer/{id} with random ${name} documents`,
      async () => {
        const target = `PATCH customer, ${name}`;
        await fc.assert(
          fc.asyncProperty(
            bodies,
            types as fc.Arbitrary<string>,
            IF_MATCH,
            async (body, type, ifMatch) => {
              const res = await fuzzer.send(target, {
                method: 'PATCH',
                path: `${CUSTOMER_PATH}/${patched}`,
                headers: { 'content-type': type, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
                body: JSON.stringify(body) ?? 'null',
              });
              if (res.status < 300) {
                await verifyPatched(target, res);
              }
            },
          ),
          PARAMS,
        );
      },
      TIMEOUT,
    );
  }

  it(
    'PATCH /customer/{id} with hostile JSON texts under every content type (or none)',
    async () => {
      const target = 'PATCH customer, hostile texts x content types';
      await fc.assert(
        fc.asyncProperty(hostileJsonText, contentType, async (body, type) => {
          const res = await fuzzer.send(target, {
            method: 'PATCH',
            path: `${CUSTOMER_PATH}/${patched}`,
            headers: jsonHeaders(type),
            body,
          });
          if (res.status < 300) {
            await verifyPatched(target, res);
          }
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  it(
    'GET /customer and /customer/{id} with random TMF630 query strings',
    async () => {
      const target = 'GET customer, random query strings';
      await fc.assert(
        fc.asyncProperty(queryString, fc.boolean(), async (query, byId) => {
          const path = byId ? `${CUSTOMER_PATH}/${patched}` : CUSTOMER_PATH;
          await fuzzer.send(
            target,
            { method: 'GET', path: `${path}?${query}` },
            {
              allowNotImplemented: true,
            },
          );
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  it(
    'any method on /customer/{random id segment}',
    async () => {
      const target = 'any method, random customer ids';
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT', 'POST', 'OPTIONS', 'TRACE', 'PROPFIND'),
          idSegment,
          fc.option(queryString, { freq: 3 }),
          async (method, segment, query) => {
            const withBody = ['PATCH', 'PUT', 'POST'].includes(method);
            const res = await fuzzer.send(
              target,
              {
                method,
                path: `${CUSTOMER_PATH}/${segment}${query === null ? '' : `?${query}`}`,
                headers: withBody ? { 'content-type': 'application/merge-patch+json' } : {},
                body: withBody ? '{"status":"fuzzed"}' : undefined,
              },
              { allowNotImplemented: true },
            );
            // No random segment names an existing customer, so nothing can have been accepted.
            expect(method === 'OPTIONS' || res.status >= 400).toBe(true);
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT,
  );

  it(
    'POST /hub and /listener/* with random subscriptions, events and texts',
    async () => {
      const target = 'POST hub and listener';
      const paths = fc.constantFrom(
        HUB_PATH,
        HUB_PATH,
        `${LISTENER_PATH}/customerCreateEvent`,
        `${LISTENER_PATH}/customerAttributeValueChangeEvent`,
        `${LISTENER_PATH}/customerDeleteEvent`,
      );
      const bodies = fc.oneof(
        { weight: 3, arbitrary: hubBody.map((b) => JSON.stringify(b) ?? 'null') },
        { weight: 1, arbitrary: hostileJsonText },
      );
      const types = fc.oneof(
        { weight: 3, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: contentType },
      );
      await fc.assert(
        fc.asyncProperty(paths, bodies, types, async (path, body, type) => {
          // A listener only publishes in-process: it must store nothing, accepted or not.
          const res = await fuzzer.send(
            target,
            { method: 'POST', path, headers: jsonHeaders(type), body },
            // A subscription query is TMF630 too: `filter=` is a 501 there as on GET.
            { storesNothing: path !== HUB_PATH, allowNotImplemented: path === HUB_PATH },
          );
          if (res.status < 300 && path === HUB_PATH) {
            // An accepted subscription: stored as acknowledged, then removed.
            const stored = await call('GET', `${HUB_PATH}/${res.json.id}`);
            expect(stored.json).toEqual(res.json);
            expect((await call('DELETE', `${HUB_PATH}/${res.json.id}`)).status).toBe(204);
            await fuzzer.accept(target);
          }
        }),
        PARAMS,
      );
    },
    TIMEOUT,
  );
});
