// A database that refuses writes (MariaDB with read_only, as a replica or a demoted primary is): every
// write is a 503 DATABASE_UNAVAILABLE TMF Error with Retry-After, never a 500, nothing is written,
// reads go on, and writes succeed again once the server takes them. A private MariaDB of the test's
// own (the shared one is never made read-only); the app connects as a user without SUPER, whom
// read_only binds.
import { minimalCustomer } from '@test/fixtures/customers';
import { PrivateMariaDb } from '@test/support/private-mariadb';
import { ServerProcess } from '@test/support/server-process';
import { TEST_DB } from '@test/support/test-database';

const describeRefusals =
  TEST_DB === 'mysql' && PrivateMariaDb.available() ? describe : describe.skip;

describeRefusals('a read-only database (private MariaDB)', () => {
  let db: PrivateMariaDb;
  let server: ServerProcess;
  let base: string;

  beforeAll(async () => {
    db = await PrivateMariaDb.create();
    await db.query("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app'");
    await db.query("GRANT ALL ON tmf.* TO 'app'@'127.0.0.1'");
    server = await ServerProcess.start({
      DATABASE_URL: `mysql://app:app@127.0.0.1:${db.port}/tmf`,
      LOG_LEVEL: 'fatal',
    });
    base = `${server.baseUrl}/tmf-api/customerManagement/v4`;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await db?.destroy();
  });

  const post = (name: string) =>
    fetch(`${base}/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(minimalCustomer(name)),
    });

  it('answers writes 503 DATABASE_UNAVAILABLE with Retry-After, keeps reads, and recovers', async () => {
    const created = await post('before');
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    await db.query('SET GLOBAL read_only = 1');
    const refused = [
      await post('refused'),
      await fetch(`${base}/customer/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: 'suspended' }),
      }),
      await fetch(`${base}/customer/${id}`, { method: 'DELETE' }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('DATABASE_UNAVAILABLE');
      expect(body.message).toMatch(/read-only.*nothing was changed/);
    }
    const read = await fetch(`${base}/customer/${id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { status?: string }).status).toBeUndefined();
    const list = await fetch(`${base}/customer`);
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('1');

    await db.query('SET GLOBAL read_only = 0');
    expect((await post('after')).status).toBe(201);
    const rows = (await db.query('SELECT COUNT(*) AS n FROM tmf.customer')) as { n: number }[];
    expect(Number(rows[0].n)).toBe(2);
  });
});
