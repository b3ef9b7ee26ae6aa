// Database outages under load (MariaDB, a private instance the test stops and starts): requests
// fail fast with 503 TMF Errors and no socket hangs, readiness goes false, the server recovers by
// itself when MariaDB returns, and no acknowledged write (nor its event) is lost.
import { PrivateMariaDb } from '@test/support/private-mariadb';
import { MixedWriteLoad, settle } from '@test/support/faults/mixed-load';
import { WriteModel } from '@test/support/faults/write-model';
import { ServerProcess } from '@test/support/server-process';
import { sleep, TestSubscriber } from '@test/support/subscriber';
import { TEST_DB } from '@test/support/test-database';

const OUTAGES = Number(process.env.OUTAGES ?? 4);
const OUTAGE_MS = 3000;
/** Every answer, during an outage too, comes within this (fail fast, no hanging socket). */
const FAIL_FAST_MS = 5000;

const ENV: Record<string, string> = {
  HUB_CALLBACK_ALLOW: '127.0.0.0/8',
  HUB_RETRY_BASE_MS: '100',
  HUB_RETRY_MAX_MS: '500',
  HUB_POLL_INTERVAL_MS: '200',
  HUB_DELIVERY_TIMEOUT_MS: '2000',
  HUB_LEASE_MS: '3000',
  HUB_MAX_ATTEMPTS: '100',
  DB_POOL_SIZE: '5',
  LOG_LEVEL: 'fatal',
};

async function readyStatus(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(FAIL_FAST_MS) });
  await res.text();
  return res.status;
}

/** Milliseconds until readiness answers `status`, polling every 100 ms. */
async function until(baseUrl: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if ((await readyStatus(baseUrl)) === status) {
      return Date.now() - started;
    }
    await sleep(100);
  }
  throw new Error(`/health/ready did not answer ${status} within ${timeoutMs} ms`);
}

const describeOutage = TEST_DB === 'mysql' && PrivateMariaDb.available() ? describe : describe.skip;

describeOutage('database outage under load (private MariaDB)', () => {
  let db: PrivateMariaDb;
  let subscriber: TestSubscriber;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await PrivateMariaDb.create();
    subscriber = await TestSubscriber.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await subscriber.stop();
    await db.destroy();
  });

  it(`fails fast, recovers by itself and loses nothing over ${OUTAGES} outages`, async () => {
    const started = Date.now();
    server = await ServerProcess.start({ ...ENV, DATABASE_URL: db.url });
    const baseUrl = server.baseUrl;
    const hub = await fetch(`${baseUrl}/tmf-api/customerManagement/v4/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callback: subscriber.url }),
    });
    expect(hub.status).toBe(201);

    const model = new WriteModel();
    const load = new MixedWriteLoad(() => baseUrl, model, { workers: 6, reads: true });
    load.start();
    const windows: { down: number; up: number; notReadyMs: number; recoveryMs: number }[] = [];
    for (let outage = 0; outage < OUTAGES; outage++) {
      await sleep(1500);
      const ackedBefore = model.acknowledged;
      const down = Date.now();
      // A clean shutdown and a crash (SIGKILL: InnoDB recovers on start) in turn.
      await db.stop(outage % 2 === 0 ? 'SIGTERM' : 'SIGKILL');
      const notReadyMs = await until(baseUrl, 503, FAIL_FAST_MS);
      expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
      await sleep(OUTAGE_MS);
      await db.start();
      const recoveryMs = await until(baseUrl, 200, 30_000);
      windows.push({ down, up: Date.now(), notReadyMs, recoveryMs });
      // Writes succeed again without anyone touching the server.
      const deadline = Date.now() + 10_000;
      while (model.acknowledged < ackedBefore + 10 && Date.now() < deadline) {
        await sleep(100);
      }
      expect(model.acknowledged).toBeGreaterThanOrEqual(ackedBefore + 10);
    }
    await sleep(500);
    await load.stop();

    const expected = model.expectedEvents;
    const { lostEvents, lostWrites } = await settle(baseUrl, model, subscriber);

    const during = load.samples.filter((s) => windows.some((w) => s.at >= w.down && s.at <= w.up));
    const unavailable = during.filter((s) => s.status === 503).length;
    const slowest = Math.max(...load.samples.map((s) => s.ms));
    const network = load.samples.filter((s) => s.status === 'network').length;
    process.stdout.write(
      `\nOUTAGE [mariadb] ${OUTAGES} outages of ${OUTAGE_MS} ms (SIGTERM and SIGKILL in turn) under ` +
        `6 clients: ${load.samples.length} requests, ${during.length} during outages (${unavailable} ` +
        `answered 503 DATABASE_UNAVAILABLE), slowest answer ${slowest.toFixed(0)} ms, ${network} ` +
        `connection errors; not ready after ${windows.map((w) => w.notReadyMs).join('/')} ms, ready ` +
        `again ${windows.map((w) => w.recoveryMs).join('/')} ms after restart; ` +
        `${model.acknowledged} acknowledged writes (${model.live.size} live customers and ` +
        `${model.deleted.size} deletes checked), ${model.inDoubt} answered 503 on a write ` +
        `(${model.inDoubtApplied} applied after all), ${expected.size} events owed; lost writes ` +
        `${lostWrites.length}, lost events ${lostEvents.length}; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(load.unexpected).toEqual([]);
    expect(load.violations).toEqual([]);
    expect(network).toBe(0);
    expect(slowest).toBeLessThan(FAIL_FAST_MS);
    expect(unavailable).toBeGreaterThan(OUTAGES * 5);
    expect(lostWrites).toEqual([]);
    expect(lostEvents).toEqual([]);
  }, 180_000);
});
