// Crash consistency: the built server is SIGKILLed at random moments under a concurrent mixed write
// load (POST, PATCH in all four formats, DELETE) with a hub subscriber, and restarted on the same
// database each time. Every acknowledged write must be in the store exactly as acknowledged, every
// write in doubt applied whole or not at all, and every applied write's events delivered.
import { hubTransportEnv, TEST_HUB_TRANSPORT } from '@test/support/hub-transport';
import { NatsServer } from '@test/support/nats-server';
import { createTestDatabase, TEST_DB, TestDatabase } from '@test/support/test-database';
import { allCustomerIds, MixedWriteLoad, settle } from '@test/support/faults/mixed-load';
import { WriteModel } from '@test/support/faults/write-model';
import { freePort, ServerProcess } from '@test/support/server-process';
import { sleep, TestSubscriber } from '@test/support/subscriber';

const KILLS = Number(process.env.CRASH_KILLS ?? 5);
const WORKERS = 8;

const ENV: Record<string, string> = {
  HUB_CALLBACK_ALLOW: '127.0.0.0/8',
  HUB_ADMIN_TOKEN: 'crash-test-admin',
  HUB_RETRY_BASE_MS: '100',
  HUB_RETRY_MAX_MS: '500',
  HUB_POLL_INTERVAL_MS: '200',
  HUB_DELIVERY_TIMEOUT_MS: '2000',
  HUB_LEASE_MS: '3000',
  HUB_MAX_ATTEMPTS: '100',
  LOG_LEVEL: 'error',
};

describe(`crash consistency: SIGKILL under a mixed write load (${TEST_DB}, hub transport ${TEST_HUB_TRANSPORT})`, () => {
  let database: TestDatabase;
  let subscriber: TestSubscriber;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    subscriber = await TestSubscriber.start();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await subscriber.stop();
    await database.drop();
  });

  it(`loses no acknowledged write and no event over ${KILLS} kills`, async () => {
    const started = Date.now();
    const port = await freePort();
    const env = { ...ENV, DATABASE_URL: database.url, ...hubTransportEnv(database.url) };
    server = await ServerProcess.start(env, port);
    const baseUrl = server.baseUrl;
    const hub = await fetch(`${baseUrl}/tmf-api/customerManagement/v4/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callback: subscriber.url }),
    });
    expect(hub.status).toBe(201);

    const model = new WriteModel();
    const load = new MixedWriteLoad(() => baseUrl, model, { workers: WORKERS, reads: false });
    load.start();
    for (let kill = 0; kill < KILLS; kill++) {
      // A random moment: requests, transactions and deliveries are in flight.
      await sleep(400 + Math.random() * 1200);
      await server.stop('SIGKILL');
      server = await ServerProcess.start(env, port);
    }
    await sleep(500);
    await load.stop();

    // The last process drains the outbox: every event owed reaches the subscriber.
    const expected = model.expectedEvents;
    const { delivered: got, lostEvents, lostWrites } = await settle(baseUrl, model, subscriber);
    // Nothing delivered that no write produced (a rolled-back transaction's event).
    const phantomEvents = [...got].filter((k) => !expected.has(k));

    const stored = (await allCustomerIds(baseUrl)).length;
    process.stdout.write(
      `\nCRASH [${TEST_DB}, ${TEST_HUB_TRANSPORT}] ${KILLS} SIGKILLs, ${WORKERS} writers: ${model.acknowledged} acknowledged writes ` +
        `(${model.live.size} live customers and ${model.deleted.size} deletes checked, ${stored} stored), ` +
        `${model.inDoubt} writes in doubt (${model.inDoubtApplied} applied, events owed), ` +
        `${expected.size} events owed, ${subscriber.distinctEventIds().size} distinct delivered ` +
        `(${subscriber.receipts.length} deliveries); lost writes ${lostWrites.length}, lost events ` +
        `${lostEvents.length}, torn writes ${load.violations.length}, phantom events ${phantomEvents.length}; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(load.unexpected).toEqual([]);
    expect(load.violations).toEqual([]);
    expect(lostWrites).toEqual([]);
    expect(lostEvents).toEqual([]);
    expect(phantomEvents).toEqual([]);
    expect(model.acknowledged).toBeGreaterThan(KILLS * 20);
    const stats = (await (
      await fetch(`${baseUrl}/hub-admin/stats`, {
        headers: { authorization: 'Bearer crash-test-admin' },
      })
    ).json()) as any;
    expect(stats.deliveries.dead).toBe(0);
  }, 180_000);

  (TEST_HUB_TRANSPORT === 'nats' ? it : it.skip)(
    `nats: loses no event when nats-server is SIGKILLed ${KILLS} times under the load (the relay resumes from the outbox)`,
    async () => {
      const started = Date.now();
      // A nats-server of this test's ownDatabase, to kill (not the run's shared one).
      const nats = await NatsServer.start();
      const ownDatabase = await createTestDatabase();
      const ownSubscriber = await TestSubscriber.start();
      // Its ownDatabase server process too: `server` is the first test's, stopped by afterAll.
      let ownServer: ServerProcess | undefined;
      try {
        const env = {
          ...ENV,
          DATABASE_URL: ownDatabase.url,
          ...hubTransportEnv(ownDatabase.url),
          HUB_NATS_URL: nats.url,
        };
        ownServer = await ServerProcess.start(env);
        const baseUrl = ownServer.baseUrl;
        const hub = await fetch(`${baseUrl}/tmf-api/customerManagement/v4/hub`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ callback: ownSubscriber.url }),
        });
        expect(hub.status).toBe(201);
        const model = new WriteModel();
        const load = new MixedWriteLoad(() => baseUrl, model, { workers: WORKERS, reads: false });
        load.start();
        for (let kill = 0; kill < KILLS; kill++) {
          await sleep(400 + Math.random() * 1200);
          await nats.stop('SIGKILL');
          // Writes go on while NATS is down: their changes wait in the outbox.
          await sleep(300 + Math.random() * 700);
          await nats.restart();
        }
        await sleep(500);
        await load.stop();
        const expected = model.expectedEvents;
        const {
          delivered: got,
          lostEvents,
          lostWrites,
        } = await settle(baseUrl, model, ownSubscriber);
        const phantomEvents = [...got].filter((k) => !expected.has(k));
        process.stdout.write(
          `\nNATS-KILL [${TEST_DB}] ${KILLS} SIGKILLs of nats-server, ${WORKERS} writers: ${model.acknowledged} acknowledged writes, ` +
            `${expected.size} events owed, ${ownSubscriber.distinctEventIds().size} distinct delivered ` +
            `(${ownSubscriber.receipts.length} deliveries, ${ownSubscriber.receipts.length - ownSubscriber.distinctEventIds().size} duplicates); ` +
            `lost writes ${lostWrites.length}, lost events ${lostEvents.length}, phantom events ${phantomEvents.length}; ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
        expect(load.unexpected).toEqual([]);
        expect(lostWrites).toEqual([]);
        expect(lostEvents).toEqual([]);
        expect(phantomEvents).toEqual([]);
        expect(model.acknowledged).toBeGreaterThan(KILLS * 20);
      } finally {
        await ownServer?.stop('SIGKILL');
        await ownSubscriber.stop();
        await ownDatabase.drop();
        await nats.destroy();
      }
    },
    180_000,
  );
});
