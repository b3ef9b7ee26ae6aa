import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { exportJWK } from 'jose';

import { minimalCustomer } from '@test/fixtures/customers';

import { AUDIENCE, ISSUER, authEnv, bearer, keyPair, token } from './support/bearer-auth';
import { CUSTOMER_PATH } from './support/customers';
import { TestApp } from './support/test-app';

describe('OAuth2 bearer authentication (configured public key)', () => {
  const keys = keyPair();
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start(authEnv(keys.publicKey));
  });
  afterAll(async () => {
    await app.close();
  });

  it('accepts a valid token with the right scopes', async () => {
    const t = await token(keys.privateKey);
    const created = await app.request('POST', CUSTOMER_PATH, {
      body: minimalCustomer(),
      headers: bearer(t),
    });
    expect(created.status).toBe(201);
    expect(
      (await app.request('GET', `${CUSTOMER_PATH}/${created.json.id}`, { headers: bearer(t) }))
        .status,
    ).toBe(200);
  });

  it('answers 401 TMF Errors for a missing, malformed, expired, wrong-audience, wrong-issuer or forged token', async () => {
    const other = keyPair();
    const cases: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['malformed', { authorization: 'Bearer not-a-jwt' }],
      ['basic', { authorization: 'Basic dXNlcjpwYXNz' }],
      [
        'expired',
        bearer(await token(keys.privateKey, { exp: Math.floor(Date.now() / 1000) - 3600 })),
      ],
      ['wrong audience', bearer(await token(keys.privateKey, { aud: 'someone-else' }))],
      ['wrong issuer', bearer(await token(keys.privateKey, { iss: 'https://evil.example/' }))],
      ['forged', bearer(await token(other.privateKey))],
    ];
    for (const [label, headers] of cases) {
      const res = await app.request('GET', CUSTOMER_PATH, { headers });
      expect([label, res.status]).toEqual([label, 401]);
      expect(res.json).toMatchObject({ status: '401', '@type': 'Error' });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const expired = await app.request('GET', CUSTOMER_PATH, {
      headers: bearer(await token(keys.privateKey, { exp: Math.floor(Date.now() / 1000) - 3600 })),
    });
    expect(expired.json.message).toContain('expired');
  });

  it('answers 403 when the token lacks the scope, and changes nothing', async () => {
    const readOnly = await token(keys.privateKey, { scope: 'customer:read' });
    expect((await app.request('GET', CUSTOMER_PATH, { headers: bearer(readOnly) })).status).toBe(
      200,
    );
    const before = await app.dataSource.query('SELECT COUNT(*) AS n FROM customer');
    const res = await app.request('POST', CUSTOMER_PATH, {
      body: minimalCustomer(),
      headers: bearer(readOnly),
    });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'INSUFFICIENT_SCOPE', status: '403', '@type': 'Error' });
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect(await app.dataSource.query('SELECT COUNT(*) AS n FROM customer')).toEqual(before);
    const writeOnly = await token(keys.privateKey, { scope: 'customer:write' });
    expect((await app.request('GET', CUSTOMER_PATH, { headers: bearer(writeOnly) })).status).toBe(
      403,
    );
  });

  it('keeps probes and metrics open', async () => {
    expect((await app.request('GET', '/health/live')).status).toBe(200);
    expect((await app.request('GET', '/health/ready')).status).toBe(200);
    expect((await app.request('GET', '/metrics')).status).toBe(200);
  });
});

describe('OAuth2 bearer authentication (JWKS URL)', () => {
  const keys = keyPair();
  let jwks: Server;
  let app: TestApp;

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const { port } = jwks.address() as AddressInfo;
    app = await TestApp.start({
      AUTH_ENABLED: 'true',
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((r) => jwks.close(r));
  });

  it('verifies tokens against the key set and refuses unknown keys', async () => {
    const good = await token(keys.privateKey, { kid: 'k1' });
    expect((await app.request('GET', CUSTOMER_PATH, { headers: bearer(good) })).status).toBe(200);
    const unknown = await token(keyPair().privateKey, { kid: 'k2' });
    expect((await app.request('GET', CUSTOMER_PATH, { headers: bearer(unknown) })).status).toBe(
      401,
    );
  });
});
