// The ODA Component against the built server: render the oda overlay, start `npm run start:prod`'s
// server with the overlay's API_PATH_PREFIX (on this tier's database), and request every path the
// Component gives the canvas, as its gateway (prefix kept) and component test kit would.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { findKubectl, K8sObject, prepareTree, render } from '@test/support/kustomize';
import { componentPaths, OdaComponent } from '@test/support/oda-component';
import { ServerProcess } from '@test/support/server-process';
import { TestSubscriber } from '@test/support/subscriber';
import { createTestDatabase, TestDatabase } from '@test/support/test-database';

const KUBECTL = findKubectl();

/** A path the Component names answers as the canvas expects: 2xx, or a subscription for a hub. */
async function answers(
  baseUrl: string,
  entry: { path: string; use: 'get' | 'hub' },
  callback: string,
): Promise<string> {
  if (entry.use === 'get') {
    const res = await fetch(`${baseUrl}${entry.path}`);
    return `${res.status}`;
  }
  const res = await fetch(`${baseUrl}${entry.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // A v5 hub takes Hub_FVO, whose @type is required; v4 refuses an attribute it does not know.
    body: JSON.stringify({
      ...(entry.path.includes('/v5/') ? { '@type': 'Hub' } : {}),
      callback,
      query: 'eventType=CustomerCreateEvent',
    }),
  });
  const location = res.headers.get('location') ?? '';
  if (res.status === 201) {
    await fetch(`${baseUrl}${new URL(location).pathname}`, { method: 'DELETE' });
  }
  return `${res.status}`;
}

(KUBECTL ? describe : describe.skip)('ODA Component paths on the built server', () => {
  let component: OdaComponent;
  let config: Record<string, string>;
  let database: TestDatabase;
  let server: ServerProcess;
  let subscriber: TestSubscriber;

  beforeAll(async () => {
    const tree = prepareTree();
    try {
      const objects = render(KUBECTL ?? 'kubectl', join(tree, 'overlays', 'oda'));
      component = objects.find((o) => o.kind === 'Component') as OdaComponent;
      config = (
        objects.find((o) => o.kind === 'ConfigMap') as K8sObject & {
          data: Record<string, string>;
        }
      ).data;
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
    database = await createTestDatabase();
    subscriber = await TestSubscriber.start();
    server = await ServerProcess.start({
      API_PATH_PREFIX: config.API_PATH_PREFIX,
      DATABASE_URL: database.url,
      HUB_CALLBACK_ALLOW: '127.0.0.0/8',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await subscriber?.stop();
    await database?.drop();
  });

  it('the Component names the API root, developer UI, hub and metrics, all under the prefix', () => {
    const paths = componentPaths(component);
    expect(paths.map((p) => p.what)).toEqual(
      expect.arrayContaining([
        'TMF629 4.0.0 path',
        'TMF629 4.0.0 developerUI',
        'TMF629 5.0.1 path',
        'event hub',
        'management metrics',
      ]),
    );
    for (const { path } of paths) {
      expect(path.startsWith(`${config.API_PATH_PREFIX}/`)).toBe(true);
    }
  });

  it('the server started with the overlay API_PATH_PREFIX answers every one of them (2xx; 201 for a hub subscription)', async () => {
    const results = [];
    for (const entry of componentPaths(component)) {
      results.push({ ...entry, status: await answers(server.baseUrl, entry, subscriber.url) });
    }
    expect(results.filter((r) => !/^2\d\d$/.test(r.status))).toEqual([]);
    expect(results.filter((r) => r.use === 'hub').map((r) => r.status)).toEqual(['201', '201']);
  });

  it('the check fails for a path the server does not serve (a version it lacks, the path without the prefix)', async () => {
    const api = component.spec.coreFunction!.exposedAPIs![0].specification[0].path!;
    const unserved = [
      api.replace(/v4$/, 'v3'),
      api.slice(config.API_PATH_PREFIX.length),
      `${config.API_PATH_PREFIX}-other/tmf-api/customerManagement/v4`,
    ];
    for (const path of unserved) {
      expect(await answers(server.baseUrl, { path, use: 'get' }, subscriber.url)).toBe('404');
    }
    const hub = `${api.slice(config.API_PATH_PREFIX.length)}/hub`;
    expect(await answers(server.baseUrl, { path: hub, use: 'hub' }, subscriber.url)).toBe('404');
  });
});
