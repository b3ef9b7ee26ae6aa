// A 3-node MariaDB Galera cluster of the test's own with two server processes on two nodes: migrations
// applied once although both start together, 50 concurrent PATCHes of one customer through both nodes
// with no 5xx and no lost update (certification conflicts retried), every hub event delivered once per
// subscriber with dispatchers on both nodes, read-your-writes across nodes with the token, and a node
// cut off from the cluster and rejoining under load: 503s while cut off, both processes recovering on
// their own, no acknowledged write lost, every event delivered (the figures are printed).
import { writeFileSync } from 'node:fs';

import { createConnection } from 'mysql2/promise';

import { minimalCustomer } from '@test/fixtures/customers';
import { GaleraCluster, GaleraNode } from '@test/support/galera-cluster';
import { ServerProcess } from '@test/support/server-process';
import { eventually, sleep, TestSubscriber } from '@test/support/subscriber';

import { MYSQL_MIGRATIONS } from '@server/database/migrations/mysql';

const API = '/tmf-api/customerManagement/v4';
const HUB_ADMIN_TOKEN = 'cluster-hub-admin-token';
const ADMIN = { authorization: `Bearer ${HUB_ADMIN_TOKEN}` };
const PATCHES = 50;
/** A request with no answer by then counts as hung. */
const ANSWER_BUDGET_MS = 30_000;

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
  // A frozen node's statements get no answer: the process answers 503 after this.
  DB_STATEMENT_TIMEOUT_MS: '5000',
  DB_ACQUIRE_TIMEOUT_MS: '5000',
  // A holder stuck with a connection is named in the log (and in a failure's message).
  DB_LEAK_DETECTION_MS: '10000',
  LOG_LEVEL: 'info',
};

const describeGalera = GaleraCluster.available() ? describe : describe.skip;
/** How long the cut lasts once both processes refuse (longer for measurements). */
const CUT_HOLD_MS = Number(process.env.GALERA_CUT_HOLD_MS ?? 3000);
/** Another build's main.js, to compare builds on the same scenarios (default: this one's). */
const ENTRY = process.env.CLUSTER_SERVER_ENTRY;

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
        ServerProcess.start(
          { ...ENV, DATABASE_URL: cluster.nodes[n].url },
          undefined,
          120_000,
          ENTRY,
        ),
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

  // The cut: the two other nodes frozen (SIGSTOP). Node 2 loses its peers from its view and leaves
  // the primary component (its process gets 1047: not ready); node 1 stops answering altogether
  // (its process's statements get no answer: the statement timeout ends them). GALERA_CUT=isolate
  // cuts node 2's group communication instead (`gmcast.isolate`), the others staying up.
  it('a node cut off from the cluster rejoins under write and hub load: 503s while cut off, both processes recover on their own, nothing acknowledged lost, every event delivered', async () => {
    const isolated = cluster.nodes[1];
    const others = cluster.nodes.filter((n) => n !== isolated);
    const pause = process.env.GALERA_CUT !== 'isolate';
    const cut = async (on: boolean) => {
      if (pause) {
        others.forEach((n) => (on ? n.pause() : n.resume()));
      } else {
        await isolated.query(`SET GLOBAL wsrep_provider_options = 'gmcast.isolate=${on ? 1 : 0}'`);
      }
    };
    const subscriber = await TestSubscriber.start();
    subscribers.push(subscriber);
    const registered = await fetch(`${servers[1].baseUrl}${API}/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callback: subscriber.url }),
    });
    expect(registered.status).toBe(201);

    const answers: Answer[] = [];
    let loading = true;
    // Writers on both processes; each acknowledged POST is read back through the same process.
    const writer = async (w: number): Promise<void> => {
      const n = w % 2;
      for (let i = 0; loading; i++) {
        const name = `Rejoin ${w}-${i}`;
        const answer = await timedFetch(
          servers,
          n,
          'POST',
          `${API}/customer`,
          minimalCustomer(name),
        );
        answers.push({ ...answer, name });
        if (answer.status === 201 && answer.id) {
          answers.push(await timedFetch(servers, n, 'GET', `${API}/customer/${answer.id}`));
        } else if (answer.status === 503) {
          await sleep(250);
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    const diagnostics: string[] = [];
    const sampler = setInterval(() => {
      void sample(servers, isolated).then((line) => diagnostics.push(line));
    }, 2000);
    const since = (t: number) => answers.filter((a) => a.at >= t);
    let cutAt = 0;
    let rejoinedAt = 0;
    const recoveredMs: number[] = [];
    try {
      await sleep(2000);
      cutAt = Date.now();
      await cut(true);
      try {
        // Both processes refuse: the one on the node out of the primary component, and (frozen
        // nodes) the one whose node does not answer.
        await eventually(
          async () =>
            // Not ready: a 503, or no answer within a probe's patience.
            (await ready(servers[1])) !== 200 &&
            since(cutAt).some((a) => a.server === 1 && a.status === 503) &&
            (!pause || since(cutAt).some((a) => a.server === 0 && a.status === 503)),
          45_000,
          'both processes answering 503 while cut off',
        );
        diagnostics.push(`both refusing ${Date.now() - cutAt} ms after the cut`);
        await sleep(CUT_HOLD_MS);
      } finally {
        await cut(false);
        rejoinedAt = Date.now();
      }
      await eventually(
        async () =>
          ((await isolated.query("SHOW STATUS LIKE 'wsrep_ready'")) as { Value: string }[])[0]
            ?.Value === 'ON',
        60_000,
        'node synced again',
      );
      diagnostics.push(`node synced ${Date.now() - rejoinedAt} ms after the rejoin`);
      // Recovered: ready again, and a write through it acknowledged after the rejoin.
      await Promise.all(
        [0, 1].map((n) =>
          eventually(
            async () =>
              (await ready(servers[n])) === 200 &&
              since(rejoinedAt).some((a) => a.server === n && a.status === 201),
            90_000,
            `process ${n} serving writes again`,
          ).then(
            () => (recoveredMs[n] = Date.now() - rejoinedAt),
            (err: Error) => {
              const lines = servers[n].output.join('').split('\n');
              const leaks = lines.filter((l) => l.includes('database connection has been held'));
              throw new Error(
                `${err.message}; connections held too long: ${leaks.length}, the first:\n` +
                  `${leaks.slice(0, 3).join('\n')}\nthe process's last log lines:\n` +
                  `${lines.slice(-60).join('\n')}\ndiagnostics:\n${diagnostics.join('\n')}`,
              );
            },
          ),
        ),
      );
      await sleep(2000);
    } finally {
      loading = false;
      clearInterval(sampler);
      await Promise.all(writers);
      const slowest = [0, 1].map((n) =>
        Math.max(0, ...answers.filter((a) => a.server === n).map((a) => a.ms)),
      );
      if (process.env.GALERA_CUT_LOGS?.startsWith('/')) {
        for (const n of [0, 1]) {
          writeFileSync(
            `${process.env.GALERA_CUT_LOGS}/process-${n}.log`,
            servers[n].output.join(''),
          );
        }
      } else if (process.env.GALERA_CUT_LOGS) {
        for (const n of [0, 1]) {
          console.log(
            `process ${n} log:\n${servers[n].output.join('').split('\n').slice(-80).join('\n')}`,
          );
        }
      }
      console.log(
        `galera cut (${pause ? 'peers frozen' : 'gmcast.isolate'}), slowest answer per process ${JSON.stringify(slowest)} ms:\n${diagnostics.join('\n')}`,
      );
    }

    // Refusals: 503 DATABASE_UNAVAILABLE with Retry-After; no other 5xx; nothing hung.
    const statuses = new Map<string, number>();
    for (const a of answers) {
      const key = `${a.server}:${a.method}:${a.status}${a.code ? ` ${a.code}` : ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    const refused = answers.filter((a) => a.status === 503);
    const otherErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
    const hung = answers.filter((a) => a.status === 0);
    const slowestRefusal = Math.max(0, ...refused.map((a) => a.ms));

    // Acknowledged writes are on every node; refusals that say nothing changed are on none; the
    // writes whose outcome was unknown (COMMIT unanswered) are counted where they landed.
    const acknowledged = answers.filter((a) => a.method === 'POST' && a.status === 201);
    const ids = acknowledged.map((a) => a.id as string);
    const nothingChanged = refused.filter((a) => a.method === 'POST' && !a.outcomeUnknown);
    const inDoubt = refused.filter((a) => a.method === 'POST' && a.outcomeUnknown);
    let lost = 0;
    let refusedButWritten = 0;
    let inDoubtApplied = 0;
    for (const node of cluster.nodes) {
      const stored = new Set(
        (
          (await node.query('SELECT id FROM tmf.customer WHERE id IN (?)', [ids])) as {
            id: string;
          }[]
        ).map((r) => r.id),
      );
      lost += ids.filter((id) => !stored.has(id)).length;
      const names = async (list: Answer[]) =>
        list.length === 0
          ? 0
          : Number(
              (
                (await node.query('SELECT COUNT(*) AS n FROM tmf.customer WHERE name IN (?)', [
                  list.map((a) => a.name),
                ])) as { n: number }[]
              )[0].n,
            );
      // Every node holds every committed write: the counts are per node, the most found.
      refusedButWritten = Math.max(refusedButWritten, await names(nothingChanged));
      inDoubtApplied = Math.max(inDoubtApplied, await names(inDoubt));
    }

    // Hub: each acknowledged create reaches the subscriber (at least once; duplicates counted).
    const delivered = () =>
      new Set(
        subscriber.receipts
          .filter((r) => r.body?.eventType === 'CustomerCreateEvent')
          .map((r) => r.body?.event?.customer?.id as string),
      );
    await subscriber
      .waitFor(() => ids.every((id) => delivered().has(id)), 60_000)
      .catch(() => undefined);
    await eventually(
      async () => {
        const res = await fetch(`${servers[0].baseUrl}/hub-admin/stats`, { headers: ADMIN });
        const stats = (await res.json()) as { deliveries: { pending: number; claimed: number } };
        return stats.deliveries.pending === 0 && stats.deliveries.claimed === 0;
      },
      60_000,
      'outbox drained',
    ).catch(() => undefined);
    const missing = ids.filter((id) => !delivered().has(id)).length;
    const perEvent = new Map<string, number>();
    for (const receipt of subscriber.receipts) {
      const eventId = receipt.body?.eventId as string;
      perEvent.set(eventId, (perEvent.get(eventId) ?? 0) + 1);
    }
    const duplicates = [...perEvent.values()].filter((n) => n > 1).length;

    console.log(
      [
        `galera cut and rejoin: ${answers.length} requests, by process:method:status ${JSON.stringify(Object.fromEntries(statuses))}`,
        `  5xx other than 503: ${otherErrors.length}; no answer within ${ANSWER_BUDGET_MS} ms: ${hung.length}; slowest 503 ${slowestRefusal} ms`,
        `  POSTs acknowledged ${ids.length}, lost ${lost}; refused "nothing changed" ${nothingChanged.length}, written anyway ${refusedButWritten}; outcome unknown ${inDoubt.length}, applied ${inDoubtApplied}`,
        `  hub: ${ids.length} acknowledged creates, missing ${missing}, duplicate deliveries ${duplicates} (of ${perEvent.size} events received)`,
        `  recovered after the rejoin: process on the cut-off node ${recoveredMs[1]} ms, process on the ${pause ? 'frozen' : 'other'} node ${recoveredMs[0]} ms`,
      ].join('\n'),
    );
    expect(otherErrors).toEqual([]);
    expect(hung).toEqual([]);
    for (const a of refused) {
      expect(a.retryAfter).toBeTruthy();
      expect(['DATABASE_UNAVAILABLE', 'TRANSACTION_CONFLICT']).toContain(a.code);
    }
    expect(refused.filter((a) => a.code === 'DATABASE_UNAVAILABLE').length).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(refusedButWritten).toBe(0);
    expect(missing).toBe(0);
  });
});

interface Answer {
  server: number;
  /** POSTs: the customer's name, to find the write whatever the answer. */
  name?: string;
  /** A 503 saying the write may have been applied (its COMMIT got no answer). */
  outcomeUnknown?: boolean;
  method: string;
  /** 0: no answer within the client's budget. */
  status: number;
  id?: string;
  at: number;
  ms: number;
  retryAfter?: string | null;
  code?: string;
}

/** A client that gives up after ANSWER_BUDGET_MS: a hung request shows as status 0. */
async function timedFetch(
  servers: ServerProcess[],
  n: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const at = Date.now();
  try {
    const res = await fetch(`${servers[n].baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_BUDGET_MS),
    });
    const json = (await res.json().catch(() => ({}))) as {
      id?: string;
      code?: string;
      message?: string;
    };
    return {
      server: n,
      method,
      status: res.status,
      id: json.id,
      code: json.code,
      outcomeUnknown: res.status === 503 && /may or may not/.test(json.message ?? ''),
      retryAfter: res.headers.get('retry-after'),
      at,
      ms: Date.now() - at,
    };
  } catch {
    return { server: n, method, status: 0, at, ms: Date.now() - at };
  }
}

async function ready(server: ServerProcess): Promise<number> {
  try {
    const res = await fetch(`${server.baseUrl}/health/ready`, {
      signal: AbortSignal.timeout(5000),
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** What the processes and the cut-off node are doing: pool counters and the node's busy sessions. */
async function sample(servers: ServerProcess[], node: GaleraNode): Promise<string> {
  const at = new Date().toISOString().slice(11, 23);
  const pools = await Promise.all(
    servers.map(async (server, n) => {
      try {
        const text = await (
          await fetch(`${server.baseUrl}/metrics`, { signal: AbortSignal.timeout(15_000) })
        ).text();
        const figures = text
          .split('\n')
          .filter((l) =>
            /^db_pool_(connections|discarded_connections_total|acquire_timeouts_total)/.test(l),
          )
          .map((l) => {
            const label =
              /state="(\w+)"/.exec(l)?.[1] ?? l.split(/[ {]/)[0].replace('db_pool_', '');
            return `${label}=${l.slice(l.lastIndexOf(' ') + 1)}`;
          });
        return `process ${n}: ${figures.join(' ')}`;
      } catch (err) {
        return `process ${n}: metrics ${(err as Error).message}`;
      }
    }),
  );
  let sessions = '?';
  try {
    const rows = (await node.query(
      "SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 50) AS INFO FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep' AND USER <> 'system user' AND COALESCE(INFO, '') NOT LIKE '%PROCESSLIST%'",
    )) as Record<string, unknown>[];
    sessions = rows.map((r) => JSON.stringify(r)).join(' | ');
  } catch (err) {
    sessions = (err as Error).message;
  }
  // A new connection to the node, as the pool opens one: how long it takes to answer a statement.
  let fresh: string;
  const started = Date.now();
  try {
    const connection = await createConnection({ uri: node.url, connectTimeout: 3000 });
    try {
      await connection.query({ sql: 'SELECT 1', timeout: 3000 });
      fresh = `${Date.now() - started} ms`;
    } finally {
      connection.destroy();
    }
  } catch (err) {
    fresh = `${(err as Error).message} after ${Date.now() - started} ms`;
  }
  return `${at} ${pools.join('; ')}; cut-off node sessions: ${sessions || 'none'}; new connection: ${fresh}`;
}
