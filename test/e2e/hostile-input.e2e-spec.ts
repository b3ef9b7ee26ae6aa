// Regressions found by the fuzz tier (test/e2e/http-fuzz.e2e-spec.ts): each answered 500, a
// non-TMF body, or stored something other than what it acknowledged.
import { rawRequest, RawResponse, tmfErrorProblem } from '@test/support/raw-http';
import { TEST_DB } from '@test/support/test-database';

import { createCustomer, CUSTOMER_PATH, snapshot } from './support/customers';
import { HUB_PATH } from './support/hub';
import { TestApp } from './support/test-app';

const PREFIX = '{"name":"x","engagedParty":{"id":"1","@referredType":"Organization"}';

describe(`hostile input found by fuzzing (${TEST_DB})`, () => {
  let app: TestApp;
  let existing: any;
  beforeAll(async () => {
    app = await TestApp.start();
    existing = await createCustomer(app);
  });
  afterAll(async () => {
    await app.close();
  });

  async function send(
    method: string,
    path: string,
    body?: string,
    type = 'application/json',
  ): Promise<RawResponse> {
    return rawRequest(app.baseUrl, {
      method,
      path,
      headers: body === undefined ? {} : { 'content-type': type },
      body,
    });
  }

  function expectTmf(res: RawResponse, status: number, code?: string): void {
    expect(res.status).toBe(status);
    expect(tmfErrorProblem(res)).toBeUndefined();
    if (code) {
      expect(res.json.code).toBe(code);
    }
  }

  it('refuses JSON the server cannot store as sent, and stores nothing', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const before = await snapshot(app);
    for (const [body, words] of [
      ['['.repeat(10000) + ']'.repeat(10000), 'nested deeper'],
      [`${PREFIX},"characteristic":[{"name":"c","value":${deep(10000)}}]}`, 'nested deeper'],
      [`${PREFIX},"characteristic":[{"name":"c","value":1e400}]}`, 'out of range'],
      [`${PREFIX},"statusReason":"x\\ud800y"}`, 'lone UTF-16 surrogate'],
    ] as const) {
      const res = await send('POST', CUSTOMER_PATH, body);
      expectTmf(res, 400, 'UNSUPPORTED_JSON');
      expect(res.json.message).toContain(words);
      const patch = await send(
        'PATCH',
        `${CUSTOMER_PATH}/${existing.id}`,
        body,
        'application/merge-patch+json',
      );
      expect(patch.status).toBe(400);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('never changes a number: one the server cannot write back as sent is a 400 naming its path', async () => {
    const profile = (score: string) =>
      `${PREFIX},"creditProfile":[{"creditProfileDate":"2024-01-01T00:00:00Z","creditScore":${score},"validFor":{"startDateTime":"2024-01-01T00:00:00Z"}}]}`;
    const before = await snapshot(app);
    for (const [body, words] of [
      [
        profile('9007199254740993'),
        'creditProfile[0].creditScore would be stored as 9007199254740992',
      ],
      [
        `${PREFIX},"characteristic":[{"name":"c","value":3732753095555502557326475264}]}`,
        'characteristic[0].value would be stored as 3.7327530955555026e+27',
      ],
      [
        `${PREFIX},"characteristic":[{"name":"c","value":[0.1,1e-400]}]}`,
        'value[1] would be stored as 0',
      ],
    ] as const) {
      const res = await send('POST', CUSTOMER_PATH, body);
      expectTmf(res, 400, 'UNSUPPORTED_JSON');
      expect(res.json.message).toContain(words);
      const patch = await send(
        'PATCH',
        `${CUSTOMER_PATH}/${existing.id}`,
        body,
        'application/merge-patch+json',
      );
      expectTmf(patch, 400, 'UNSUPPORTED_JSON');
    }
    expect(await snapshot(app)).toBe(before);
    const safe = await send('POST', CUSTOMER_PATH, profile(String(Number.MAX_SAFE_INTEGER)));
    expect(safe.status).toBe(201);
    const read = await send('GET', `${CUSTOMER_PATH}/${safe.json.id}`);
    expect(read.text).toContain(`"creditScore":${Number.MAX_SAFE_INTEGER}`);
  });

  it('refuses a member named constructor anywhere (class-transformer crashed on it)', async () => {
    const before = await snapshot(app);
    for (const body of [
      `${PREFIX},"characteristic":[{"name":"c","value":{"constructor":1}}]}`,
      '{"name":[{"constructor":1}],"engagedParty":{"id":"1","@referredType":"O"}}',
    ]) {
      expectTmf(await send('POST', CUSTOMER_PATH, body), 400);
    }
    const patch = await send(
      'PATCH',
      `${CUSTOMER_PATH}/${existing.id}`,
      '[{"op":"add","path":"/characteristic","value":[{"name":"c","value":{"constructor":1}}]}]',
      'application/json-patch+json',
    );
    expectTmf(patch, 400);
    expect(await snapshot(app)).toBe(before);
  });

  it('answers 404 for a non-ASCII id, and filters on one without failing', async () => {
    for (const method of ['GET', 'DELETE']) {
      expectTmf(await send(method, `${CUSTOMER_PATH}/%C3%A9`), 404);
      expectTmf(await send(method, `${HUB_PATH}/%C3%A9`), 404);
    }
    expectTmf(
      await send('PATCH', `${CUSTOMER_PATH}/%22%C2%85`, '{"status":"x"}', 'application/json'),
      404,
    );
    for (const query of ['id=%C3%A9', 'id=a,%C3%A9', 'id.gt=%C3%A9', 'id.regex=%5E%C3%A9']) {
      const res = await send('GET', `${CUSTOMER_PATH}?${query}`);
      expect(res.status).toBe(200);
    }
    const all = await send('GET', `${CUSTOMER_PATH}?id.lt=%C3%A9&fields=id`);
    expect(all.json.map((c: any) => c.id)).toContain(existing.id); // bytewise: ASCII < é
    const href = await send(
      'GET',
      `${CUSTOMER_PATH}?href=${encodeURIComponent(`${existing.href}é`)}`,
    );
    expect(href.json).toEqual([]);
  });

  it('answers TMF Errors for what Fastify or Node refuse before any route', async () => {
    expectTmf(await send('GET', `${CUSTOMER_PATH}/%zz`), 400, 'MALFORMED_URL');
    expectTmf(await send('GET', `${CUSTOMER_PATH}/${'x'.repeat(5000)}`), 414, 'URI_TOO_LONG');
    expectTmf(await send('GET', `${CUSTOMER_PATH}?name=${'a'.repeat(17000)}`), 431);
  });
});
