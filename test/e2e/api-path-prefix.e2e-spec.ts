// API_PATH_PREFIX: an ODA Canvas gateway forwards /<release>-<component>/tmf-api/... unchanged, so
// every route, href, Location, Link, hub event href and /docs must live under the prefix.
import { minimalCustomer } from '@test/fixtures/customers';
import { TestSubscriber } from '@test/support/subscriber';

import { CUSTOMER_PATH } from './support/customers';
import { FAST_HUB_ENV, HUB_PATH } from './support/hub';
import { TestApp } from './support/test-app';

const PREFIX = '/r1-customermanagement';
const PUBLIC = 'https://canvas.example';
const API_ROOT = '/tmf-api/customerManagement/v4';

describe('API_PATH_PREFIX=/r1-customermanagement', () => {
  let app: TestApp;
  let subscriber: TestSubscriber;
  beforeAll(async () => {
    subscriber = await TestSubscriber.start();
    app = await TestApp.start({
      ...FAST_HUB_ENV,
      API_PATH_PREFIX: PREFIX,
      PUBLIC_BASE_URL: PUBLIC,
      RATE_LIMIT_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    await app.close();
    await subscriber.stop();
  });

  it('answers the API root with its entry points, as absolute prefixed URLs', async () => {
    for (const path of [`${PREFIX}${API_ROOT}`, `${PREFIX}${API_ROOT}/`]) {
      const res = await app.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        name: 'customerManagement',
        version: '4.0.0',
        href: `${PUBLIC}${PREFIX}${API_ROOT}`,
        resources: [
          { name: 'customer', href: `${PUBLIC}${PREFIX}${CUSTOMER_PATH}` },
          { name: 'hub', href: `${PUBLIC}${PREFIX}${HUB_PATH}` },
        ],
        openApi: `${PUBLIC}${PREFIX}/docs-json`,
        documentation: `${PUBLIC}${PREFIX}/docs`,
      });
    }
    expect((await app.request('HEAD', `${PREFIX}${API_ROOT}`)).status).toBe(200);
  });

  it('serves nothing outside the prefix (TMF 404)', async () => {
    for (const path of [
      API_ROOT,
      CUSTOMER_PATH,
      '/docs',
      '/docs-json',
      '/health/live',
      '/metrics',
    ]) {
      const res = await app.request('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const res = await app.request('GET', CUSTOMER_PATH);
    expect(res.json).toEqual(expect.objectContaining({ code: expect.any(String) }));
  });

  it('creates, reads, lists, filters by href and patches under the prefix; href and Location carry it', async () => {
    const created = await app.request('POST', `${PREFIX}${CUSTOMER_PATH}`, {
      body: minimalCustomer('Prefix One'),
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const href = `${PUBLIC}${PREFIX}${CUSTOMER_PATH}/${id}`;
    expect(created.json.href).toBe(href);
    expect(created.headers.get('location')).toBe(href);

    const read = await app.request('GET', new URL(href).pathname);
    expect(read.status).toBe(200);
    expect(read.json.href).toBe(href);

    const byHref = await app.request(
      'GET',
      `${PREFIX}${CUSTOMER_PATH}?href=${encodeURIComponent(href)}`,
    );
    expect(byHref.status).toBe(200);
    expect(byHref.json.map((c: { id: string }) => c.id)).toEqual([id]);
    const unprefixedHref = `${PUBLIC}${CUSTOMER_PATH}/${id}`;
    const none = await app.request(
      'GET',
      `${PREFIX}${CUSTOMER_PATH}?href=${encodeURIComponent(unprefixedHref)}`,
    );
    expect(none.json).toEqual([]);

    const patched = await app.request('PATCH', `${PREFIX}${CUSTOMER_PATH}/${id}`, {
      body: { status: 'approved' },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.href).toBe(href);
  });

  it('puts the prefix in the paging Link header', async () => {
    for (const name of ['Prefix Two', 'Prefix Three']) {
      await app.request('POST', `${PREFIX}${CUSTOMER_PATH}`, { body: minimalCustomer(name) });
    }
    const res = await app.request('GET', `${PREFIX}${CUSTOMER_PATH}?limit=1&fields=name`);
    expect(res.status).toBe(206);
    const links = (res.headers.get('link') ?? '').split(',').map((l) => l.trim());
    expect(links.length).toBeGreaterThanOrEqual(2);
    for (const link of links) {
      expect(link).toMatch(new RegExp(`^<${PUBLIC}${PREFIX}${CUSTOMER_PATH}\\?`));
    }
  });

  it('answers 405 with Allow on a prefixed path and another method', async () => {
    const res = await app.request('PUT', `${PREFIX}${CUSTOMER_PATH}`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toMatch(/GET/);
  });

  it('registers hub subscriptions under the prefix and sends events whose hrefs carry it', async () => {
    const sub = await app.request('POST', `${PREFIX}${HUB_PATH}`, {
      body: { callback: subscriber.url, query: 'eventType=CustomerCreateEvent' },
    });
    expect(sub.status).toBe(201);
    expect(sub.headers.get('location')).toBe(`${PUBLIC}${PREFIX}${HUB_PATH}/${sub.json.id}`);
    const created = await app.request('POST', `${PREFIX}${CUSTOMER_PATH}`, {
      body: minimalCustomer('Prefix Event'),
    });
    await subscriber.waitFor((s) => s.events('CustomerCreateEvent').length >= 1);
    const event = subscriber.events('CustomerCreateEvent')[0];
    expect(event.event.customer.href).toBe(`${PUBLIC}${PREFIX}${CUSTOMER_PATH}/${created.json.id}`);
    expect(event.event.customer.href).toBe(created.json.href);
    expect((await app.request('DELETE', `${PREFIX}${HUB_PATH}/${sub.json.id}`)).status).toBe(204);
  });

  it('serves Swagger UI and the OpenAPI document under the prefix, with prefixed paths', async () => {
    const ui = await app.request('GET', `${PREFIX}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    // The page's own scripts resolve under the prefix too.
    const scripts = [...ui.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const url = new URL(src, `http://x${PREFIX}/docs/`);
      expect(url.pathname.startsWith(`${PREFIX}/docs`)).toBe(true);
      expect((await app.request('GET', url.pathname)).status).toBe(200);
    }
    const doc = await app.request('GET', `${PREFIX}/docs-json`);
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.json.paths as Record<string, unknown>);
    expect(paths).toEqual(
      expect.arrayContaining([
        `${PREFIX}${API_ROOT}`,
        `${PREFIX}${CUSTOMER_PATH}`,
        `${PREFIX}${CUSTOMER_PATH}/{id}`,
        `${PREFIX}${HUB_PATH}`,
      ]),
    );
    expect(paths.filter((p) => !p.startsWith(`${PREFIX}/`))).toEqual([]);
  });

  it('serves the probes and metrics under the prefix, never rate-limited', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect((await app.request('GET', `${PREFIX}${path}`)).status).toBe(200);
    }
    const metrics = await app.request('GET', `${PREFIX}/metrics`);
    expect(metrics.headers.get('x-ratelimit-limit')).toBeNull();
    const api = await app.request('GET', `${PREFIX}${API_ROOT}`);
    expect(api.headers.get('x-ratelimit-limit')).toBe('1000');
  });
});

describe('API_PATH_PREFIX unset (the default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ PUBLIC_BASE_URL: PUBLIC });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers the API root at /tmf-api/customerManagement/v4', async () => {
    const res = await app.request('GET', API_ROOT);
    expect(res.status).toBe(200);
    expect(res.json.href).toBe(`${PUBLIC}${API_ROOT}`);
    expect(res.json.resources[0]).toEqual({ name: 'customer', href: `${PUBLIC}${CUSTOMER_PATH}` });
  });
});
