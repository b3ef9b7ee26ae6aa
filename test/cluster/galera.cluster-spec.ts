// A 3-node MariaDB Galera cluster of the test's own with two server processes on two nodes: migrations
// applied once although both start together, 50 concurrent PATCHes of one customer through both nodes
// with no 5xx and no lost update (certification conflicts retried), every hub event delivered once per
// subscriber with dispatchers on both nodes, read-your-writes across nodes with the token, and a node
// cut off from the others (not ready, 1047) answered with 503s while the other node serves.
import { minimalCustomer } from '@test/fixtures/customers';
import { GaleraCluster } from '@test/support/galera-cluster';
import { ServerProcess } from '@test/support/server-process';
import { eventually, TestSubscriber } from '@test/support/subscriber';

import { MYSQL_MIGRATIONS } from '@server/database/migrations/mysql';

const API = '/tmf-api/customerManagement/v4';
const HUB_ADMIN_TOKEN = 'cluster-hub-admin-token';
const ADMIN = { authorization: `Bearer ${HUB_ADMIN_TOKEN}` };
const PATCHES = 50;

const ENV: Record<string, string> = {
  HUB_CALLBACK_ALLOW: '127.0.0.0/8',
  HUB_ADMIN_TOKEN,
  HUB_RETRY_BASE_MS: '100',
  HUB_RETRY_MAX_MS: '500',
  HUB_POLL_INTERVAL_MS: '200',
  HUB_DELIVERY_TIMEOUT_MS: '5000',
  HUB_LEASE_MS: '15000',
  HUB_MAX_ATTEMPTS: '100',
  DB_POOL_SIZE: '30',
  LOG_LEVEL: 'info',
};

const describeGalera = GaleraCluster.available() ? describe : describe.skip;

/** A counter of /metrics (summed over its labels matching `labels`). */
async function metric(server: ServerProcess, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (line.includes(labels)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
  }
  return sum;
}

describeGalera('MariaDB Galera, 3 nodes, two server processes on two nodes', () => {
  let cluster: GaleraCluster;
  let servers: ServerProcess[];
  const subscribers: TestSubscriber[] = [];

  beforeAll(async () => {
    cluster = await GaleraCluster.create(3);
    // Both start together, on two nodes: they race for the migration lease.
    servers = await Promise.all(
      [0, 1].map((n) =>
        ServerProcess.start({ ...ENV, DATABASE_URL: cluster.nodes[n].url }, undefined, 120_000),
      ),
    );
    for (let i = 0; i < 2; i++) {
      subscribers.push(await TestSubscriber.start());
    }
  }, 240_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
    await Promise.all(subscribers.map((s) => s.stop()));
    await cluster?.destroy();
  });

  it('applies the migrations once although two processes on two nodes start together', async () => {
    expect(await cluster.clusterSize()).toBe(3);
    const applied = servers
      .flatMap((s) => s.output.join('').split('\n'))
      .filter((line) => line.includes('Applied migration'));
    expect(applied).toHaveLength(MYSQL_MIGRATIONS.length);
    // Every node holds each migration once.
    for (const node of cluster.nodes) {
      const rows = (await node.query(
        'SELECT name, COUNT(*) AS n FROM tmf.migrations GROUP BY name',
      )) as { n: number }[];
      expect(rows).toHaveLength(MYSQL_MIGRATIONS.length);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    }
  });

  it(`${PATCHES} concurrent PATCHes of one customer through both nodes: no 5xx, no lost update, each event once per subscriber`, async () => {
    for (const subscriber of subscribers) {
      const res = await fetch(`${servers[0].baseUrl}${API}/hub`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callback: subscriber.url }),
      });
      expect(res.status).toBe(201);
    }
    const created = await fetch(`${servers[0].baseUrl}${API}/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...minimalCustomer('Galera FC'), characteristic: [] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const token = created.headers.get('x-consistency-token');
    expect(token).toBeTruthy();
    const retriesBefore = await Promise.all(
      servers.map((s) => metric(s, 'db_write_retries_total', 'reason="conflict"')),
    );

    // Each PATCH appends its own characteristic: a lost update would lose one.
    const answers = await Promise.all(
      Array.from({ length: PATCHES }, async (_, i) => {
        const res = await fetch(`${servers[i % 2].baseUrl}${API}/customer/${id}`, {
          method: 'PATCH',
          headers: {
            'content-type': 'application/json-patch+json',
            'x-consistency-token': token as string,
          },
          body: JSON.stringify([
            { op: 'add', path: '/characteristic/-', value: { name: `p${i}`, value: String(i) } },
          ]),
        });
        await res.text();
        return { status: res.status, etag: res.headers.get('etag') };
      }),
    );
    const statuses = new Map<number, number>();
    for (const a of answers) {
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    const retries = (
      await Promise.all(
        servers.map((s) => metric(s, 'db_write_retries_total', 'reason="conflict"')),
      )
    ).map((after, n) => after - retriesBefore[n]);
    const exhausted = await Promise.all(
      servers.map((s) => metric(s, 'db_write_conflicts_exhausted_total')),
    );
    console.log(
      `galera: ${PATCHES} PATCHes, statuses ${JSON.stringify(Object.fromEntries(statuses))}, conflict retries per process ${JSON.stringify(retries)}, exhausted ${JSON.stringify(exhausted)}`,
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: PATCHES });
    // ETags "2" .. "51": every PATCH wrote its own version on top of the previous one.
    const versions = answers
      .map((a) => Number(/"(\d+)"/.exec(a.etag ?? '')?.[1]))
      .sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: PATCHES }, (_, i) => i + 2));

    // Read on the other node with the last write's token: all 50 characteristics, version 51.
    const final = await fetch(`${servers[1].baseUrl}${API}/customer/${id}`, {
      headers: { 'x-consistency-token': token as string },
    });
    expect(final.headers.get('etag')).toBe(`"${PATCHES + 1}"`);
    const body = (await final.json()) as { characteristic: { name: string }[] };
    expect(body.characteristic.map((c) => c.name).sort()).toEqual(
      Array.from({ length: PATCHES }, (_, i) => `p${i}`).sort(),
    );

    // Hub: 1 create + 50 updates, each once per subscriber, with both dispatchers delivering.
    for (const subscriber of subscribers) {
      await subscriber.waitFor((s) => s.distinctEventIds().size >= PATCHES + 1, 60_000);
    }
    await eventually(
      async () => {
        const res = await fetch(`${servers[0].baseUrl}/hub-admin/stats`, { headers: ADMIN });
        const stats = (await res.json()) as { deliveries: { pending: number; claimed: number } };
        return stats.deliveries.pending === 0 && stats.deliveries.claimed === 0;
      },
      30_000,
      'outbox drained',
    );
    let duplicates = 0;
    for (const subscriber of subscribers) {
      const perEvent = new Map<string, number>();
      for (const receipt of subscriber.receipts) {
        const eventId = receipt.body?.eventId as string;
        perEvent.set(eventId, (perEvent.get(eventId) ?? 0) + 1);
      }
      duplicates += [...perEvent.values()].filter((n) => n > 1).length;
      expect(perEvent.size).toBe(PATCHES + 1);
    }
    const delivered = await Promise.all(
      servers.map(async (s) => {
        const res = await fetch(`${s.baseUrl}/hub-admin/stats`, { headers: ADMIN });
        return ((await res.json()) as { process: { delivered: number } }).process.delivered;
      }),
    );
    console.log(
      `galera: hub ${subscribers.length} subscribers x ${PATCHES + 1} events, duplicates ${duplicates}, delivered per process ${JSON.stringify(delivered)}`,
    );
    expect(duplicates).toBe(0);
  });

  it('read-your-writes across nodes: a GET on the other node presenting the token always finds the new customer', async () => {
    const ROUNDS = 100;
    let withToken = 0;
    let withoutToken = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const created = await fetch(`${servers[0].baseUrl}${API}/customer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(minimalCustomer(`RYW ${i}`)),
      });
      const { id } = (await created.json()) as { id: string };
      const token = created.headers.get('x-consistency-token') as string;
      // Without the token first (may miss), then with it (must not).
      const plain = await fetch(`${servers[1].baseUrl}${API}/customer/${id}`);
      await plain.text();
      withoutToken += plain.status === 200 ? 1 : 0;
      const causal = await fetch(`${servers[1].baseUrl}${API}/customer/${id}`, {
        headers: { 'x-consistency-token': token },
      });
      await causal.text();
      withToken += causal.status === 200 ? 1 : 0;
    }
    console.log(
      `galera: read on the other node right after a POST: ${withoutToken}/${ROUNDS} found without the token, ${withToken}/${ROUNDS} with it`,
    );
    expect(withToken).toBe(ROUNDS);
  });

  // Recovery of the isolated node's process is not asserted: in 4 of 4 runs with both processes under
  // hub load, a connection on the rejoined node stayed in state "Killed" and the process's database
  // calls hung (see docs/operations.md, Database topologies). Isolated alone, it recovered in 3 s.
  it('a node cut off from the cluster: its process answers 503 DATABASE_UNAVAILABLE and is not ready, the other serves, nothing refused is written', async () => {
    const post = (server: ServerProcess, name: string) =>
      fetch(`${server.baseUrl}${API}/customer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(minimalCustomer(name)),
      });
    const ready = async (server: ServerProcess) => {
      const res = await fetch(`${server.baseUrl}/health/ready`);
      await res.text();
      return res.status;
    };
    const isolated = cluster.nodes[1];
    await isolated.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
    try {
      await eventually(async () => (await ready(servers[1])) === 503, 30_000, 'not ready');
      const refused = await post(servers[1], 'Refused while isolated');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      const body = (await refused.json()) as { code: string; message: string };
      expect(body.code).toBe('DATABASE_UNAVAILABLE');
      expect(body.message).toMatch(/nothing was changed/);
      expect((await post(servers[0], 'Served meanwhile')).status).toBe(201);
      expect(await ready(servers[0])).toBe(200);
    } finally {
      await isolated.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
    }
    await eventually(
      async () =>
        ((await isolated.query("SHOW STATUS LIKE 'wsrep_ready'")) as { Value: string }[])[0]
          ?.Value === 'ON',
      60_000,
      'node synced again',
    );
    for (const node of cluster.nodes) {
      const names = (await node.query(
        "SELECT name FROM tmf.customer WHERE name IN ('Refused while isolated', 'Served meanwhile')",
      )) as { name: string }[];
      expect(names.map((r) => r.name)).toEqual(['Served meanwhile']);
    }
  });
});
