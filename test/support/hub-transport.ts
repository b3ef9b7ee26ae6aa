import { createHash } from 'node:crypto';

/**
 * The hub transport the e2e and fault tiers run on: `TEST_HUB_TRANSPORT=nats` runs them through NATS
 * JetStream (a private nats-server the global set-up starts, TEST_NATS_URL), `db` by default.
 */
export const TEST_HUB_TRANSPORT: 'db' | 'nats' =
  process.env.TEST_HUB_TRANSPORT === 'nats' ? 'nats' : 'db';

/**
 * The server's environment for that transport. Every database gets its own stream (named from its
 * URL), so test files sharing the nats-server never see each other's events, and a server restarted
 * on the same database finds its stream again.
 */
export function hubTransportEnv(databaseUrl: string): Record<string, string> {
  if (TEST_HUB_TRANSPORT === 'db') {
    return {};
  }
  const url = process.env.TEST_NATS_URL;
  if (!url) {
    throw new Error('TEST_HUB_TRANSPORT=nats needs TEST_NATS_URL (set by the global set-up)');
  }
  if (/:4222\/?$/.test(url)) {
    // The machine's shared server: tests use their own (test/support/nats-server.ts).
    throw new Error(`TEST_NATS_URL=${url} is the shared nats-server's port; unset it`);
  }
  const key = createHash('sha256').update(databaseUrl).digest('hex').slice(0, 16);
  return { HUB_TRANSPORT: 'nats', HUB_NATS_URL: url, HUB_NATS_STREAM: `HUB_T_${key}` };
}
