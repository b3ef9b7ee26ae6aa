import { TEST_HUB_TRANSPORT } from '@test/support/hub-transport';
import { eventually } from '@test/support/subscriber';

import { TestApp } from './test-app';

export const HUB_PATH = '/tmf-api/customerManagement/v4/hub';
export const LISTENER_PATH = '/tmf-api/customerManagement/v4/listener';

/** `/hub-admin` exists only when guarded: the tests open it with this token. */
export const HUB_ADMIN_TOKEN = 'test-hub-admin-token';
export const ADMIN_HEADERS = { authorization: `Bearer ${HUB_ADMIN_TOKEN}` };

/** Short delivery settings for tests, with loopback callbacks allowed and /hub-admin open. */
export const FAST_HUB_ENV: Record<string, string> = {
  HUB_ADMIN_TOKEN,
  HUB_CALLBACK_ALLOW: '127.0.0.0/8',
  HUB_RETRY_BASE_MS: '50',
  HUB_RETRY_MAX_MS: '400',
  HUB_POLL_INTERVAL_MS: '100',
  HUB_DELIVERY_TIMEOUT_MS: '1000',
  HUB_LEASE_MS: '3000',
  HUB_MAX_ATTEMPTS: '4',
};

/** Registers a subscription; fails the test on anything but 201. Returns its id. */
export async function subscribe(
  app: TestApp,
  callback: string,
  query?: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const body: Record<string, unknown> = { callback, ...extra };
  if (query !== undefined) {
    body.query = query;
  }
  const res = await app.request('POST', HUB_PATH, { body });
  if (res.status !== 201) {
    throw new Error(`subscribe failed: ${res.status} ${res.text}`);
  }
  return res.json.id as string;
}

/**
 * Waits until no change is left to fan out and no delivery left to attempt (dead letters aside).
 * Every attempt has then ended, so what the subscribers received is final: a test checks that an
 * event did not arrive after this.
 */
export async function outboxDrained(app: TestApp, timeoutMs = 10000): Promise<void> {
  if (TEST_HUB_TRANSPORT === 'nats') {
    // The deliveries are in the JetStream consumers, which the stats count (all replicas).
    await eventually(
      async () => {
        const { json } = await app.request('GET', '/hub-admin/stats', { headers: ADMIN_HEADERS });
        return json.changes === 0 && json.deliveries.pending === 0 && json.deliveries.claimed === 0;
      },
      timeoutMs,
      'outbox drained',
    );
    return;
  }
  await eventually(
    async () => {
      const [row] = await app.dataSource.query(
        `SELECT (SELECT COUNT(*) FROM hub_delivery WHERE status = 'pending')
              + (SELECT COUNT(*) FROM hub_outbox) AS n`,
      );
      return Number(row.n) === 0;
    },
    timeoutMs,
    'outbox drained',
  );
}

export async function unsubscribeAll(app: TestApp, ids: string[]): Promise<void> {
  for (const id of ids.splice(0)) {
    await app.request('DELETE', `${HUB_PATH}/${id}`);
  }
}
