// DATABASE_READ_URL on a real MariaDB primary + replica pair (private instances): read-your-writes
// through X-Consistency-Token while the replica lags (its SQL thread stopped on demand), reads
// served by the replica once it has the write, a replica lagging beyond DB_READ_MAX_LAG_MS or down
// taken out of reads and back in, and no write ever reaching the replica.
import { minimalCustomer } from '@test/fixtures/customers';
import { PrivateMariaDb } from '@test/support/private-mariadb';
import { ReplicaPair } from '@test/support/replica-pair';
import { ServerProcess } from '@test/support/server-process';

const API = '/tmf-api/customerManagement/v4';
const TOKEN = 'x-consistency-token';

const describePair = PrivateMariaDb.available() ? describe : describe.skip;

interface Customer {
  id: string;
  name: string;
  status?: string;
}

async function readyBody(server: ServerProcess): Promise<{
  details: { readReplica?: { state: string; lagMs?: number; servingReads: boolean } };
}> {
  const res = await fetch(`${server.baseUrl}/health/ready`);
  return (await res.json()) as {
    details: { readReplica?: { state: string; lagMs?: number; servingReads: boolean } };
  };
}

/** Polls readiness until the replica reaches `state` (checks run every second). */
async function replicaState(
  server: ServerProcess,
  state: string,
  timeoutMs = 30000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await readyBody(server);
    if (body.details.readReplica?.state === state) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`replica not ${state}: ${JSON.stringify(body.details.readReplica)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** db_replica_reads_total by route, from /metrics. */
async function readRoutes(server: ServerProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const routes: Record<string, number> = {};
  for (const match of text.matchAll(/^db_replica_reads_total\{route="(\w+)"\} (\d+)/gm)) {
    routes[match[1]] = Number(match[2]);
  }
  return routes;
}

describePair('read replica with read-your-writes (private MariaDB primary + replica)', () => {
  let pair: ReplicaPair;
  let server: ServerProcess;
  let base: string;

  beforeAll(async () => {
    pair = await ReplicaPair.create();
    server = await ServerProcess.start({
      DATABASE_URL: pair.primary.url,
      DATABASE_READ_URL: pair.replica.url,
      // Large: this server keeps the lagging replica in reads, so tokens decide (the bound is
      // tested below with a second server).
      DB_READ_MAX_LAG_MS: '600000',
      DB_READ_WAIT_MS: '300',
      LOG_LEVEL: 'warn',
    });
    base = `${server.baseUrl}${API}`;
    await pair.caughtUp();
    await replicaState(server, 'up');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await pair?.destroy();
  });

  const post = async (name: string) => {
    const res = await fetch(`${base}/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(minimalCustomer(name)),
    });
    expect(res.status).toBe(201);
    return { token: res.headers.get(TOKEN), customer: (await res.json()) as Customer };
  };
  const get = (path: string, token?: string | null) =>
    fetch(`${base}${path}`, { headers: token ? { [TOKEN]: token } : {} });
  const names = async (res: Response) =>
    ((await res.json()) as Customer[]).map((c) => c.name).sort();

  it('every write answers with a token; a read presenting it sees the write while the replica lags', async () => {
    const before = await readRoutes(server);
    await pair.replica.query('STOP SLAVE SQL_THREAD');
    try {
      const { token, customer } = await post('Written while the replica lags');
      expect(token).toMatch(/^\d+-1-\d+$/);

      // The replica has not applied it: with the token, the primary answers after the wait.
      const byId = await get(`/customer/${customer.id}`, token);
      expect(byId.status).toBe(200);
      const listed = await get('/customer?name=Written%20while%20the%20replica%20lags', token);
      expect(await names(listed)).toEqual(['Written while the replica lags']);
      // Without it: the list is the replica's (stale), a GET by id that misses asks the primary.
      const staleList = await get('/customer?name=Written%20while%20the%20replica%20lags');
      expect(await names(staleList)).toEqual([]);
      expect((await get(`/customer/${customer.id}`)).status).toBe(200);

      // A PATCH's token: the row is on the replica at its old version, the token reads the new one.
      const patched = await fetch(`${base}/customer/${customer.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: 'suspended' }),
      });
      expect(patched.status).toBe(200);
      const patchToken = patched.headers.get(TOKEN);
      expect(patchToken).not.toBe(token);
      const fresh = (await (await get(`/customer/${customer.id}`, patchToken)).json()) as Customer;
      expect(fresh.status).toBe('suspended');

      const after = await readRoutes(server);
      // At least the reads above (the answers' contents prove where each came from); the server's own
      // reads may add to the counts on a busy machine.
      expect(
        after.primary_wait_timeout - (before.primary_wait_timeout ?? 0),
      ).toBeGreaterThanOrEqual(3);
      expect(after.primary_miss - (before.primary_miss ?? 0)).toBeGreaterThanOrEqual(1);
      expect(after.replica - (before.replica ?? 0)).toBeGreaterThanOrEqual(1);
    } finally {
      await pair.replica.query('START SLAVE SQL_THREAD');
    }
  });

  it('once the replica has the write, it serves the read presenting the token', async () => {
    const { token, customer } = await post('Applied in time');
    await pair.caughtUp();
    const before = await readRoutes(server);
    const res = await get(`/customer/${customer.id}`, token);
    expect(res.status).toBe(200);
    const after = await readRoutes(server);
    expect(after.replica_waited - (before.replica_waited ?? 0)).toBe(1);
  });

  it('a token that is no GTID position is harmless: the primary serves the read', async () => {
    const { customer } = await post('Odd token');
    const res = await get(`/customer/${customer.id}`, 'not a token; DROP TABLE customer');
    expect(res.status).toBe(200);
  });

  it('reads only: no write ever reached the replica itself', async () => {
    await pair.caughtUp();
    const [own] = (await pair.replica.query('SELECT @@gtid_binlog_pos AS pos')) as {
      pos: string;
    }[];
    expect(own.pos).toBe('');
    const [count] = (await pair.replica.query('SELECT COUNT(*) AS n FROM tmf.customer')) as {
      n: number;
    }[];
    const [primaryCount] = (await pair.primary.query('SELECT COUNT(*) AS n FROM tmf.customer')) as {
      n: number;
    }[];
    expect(Number(count.n)).toBe(Number(primaryCount.n));
  });

  it('a replica lagging beyond DB_READ_MAX_LAG_MS is out of reads, and back once caught up', async () => {
    const bounded = await ServerProcess.start({
      DATABASE_URL: pair.primary.url,
      DATABASE_READ_URL: pair.replica.url,
      DB_READ_MAX_LAG_MS: '1000',
      DB_MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      await replicaState(bounded, 'up');
      await pair.replica.query('STOP SLAVE SQL_THREAD');
      try {
        await post('Behind the bound');
        await replicaState(bounded, 'lagging');
        // Out of reads: even a list without a token comes from the primary.
        const res = await fetch(`${bounded.baseUrl}${API}/customer?name=Behind%20the%20bound`);
        expect(await names(res)).toEqual(['Behind the bound']);
        expect((await readRoutes(bounded)).primary_replica_out).toBeGreaterThanOrEqual(1);
      } finally {
        await pair.replica.query('START SLAVE SQL_THREAD');
      }
      await replicaState(bounded, 'up');
    } finally {
      await bounded.stop();
    }
  });

  it('replica down: reads are still served (by the primary), and it is back in when it returns', async () => {
    const { customer } = await post('Replica goes down');
    await pair.replica.stop();
    try {
      expect((await get(`/customer/${customer.id}`)).status).toBe(200);
      expect((await get('/customer')).status).toBe(200);
      await replicaState(server, 'down');
      const ready = await fetch(`${server.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect((await get(`/customer/${customer.id}`)).status).toBe(200);
    } finally {
      await pair.replica.start();
    }
    await replicaState(server, 'up');
    const routes = await readRoutes(server);
    // The cluster tier's figures: where reads were served over this file.
    console.log(`read replica: reads by route ${JSON.stringify(routes)}`);
  });
});
