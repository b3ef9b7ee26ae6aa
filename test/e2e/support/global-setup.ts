import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

// jest loads global set-up outside its module mapper: no path aliases here.
// eslint-disable-next-line no-restricted-imports
import { adminQuery, E2E_RUN_ENV, TEST_DB, TEST_MYSQL_URL } from '../../support/test-database';
// eslint-disable-next-line no-restricted-imports
import { NatsServer } from '../../support/nats-server';

export default async function globalSetup(): Promise<void> {
  process.env[E2E_RUN_ENV] = `${process.pid}${randomBytes(3).toString('hex')}`;
  // Process-level tests run the built server (`npm run start:prod`'s command): build it if needed.
  execFileSync(
    process.execPath,
    [join(__dirname, '..', '..', '..', 'scripts', 'build-if-needed.js')],
    {
      stdio: 'inherit',
    },
  );
  if (process.env.TEST_HUB_TRANSPORT === 'nats' && !process.env.TEST_NATS_URL) {
    // One private JetStream server for the run (each database gets its own stream).
    const nats = await NatsServer.start();
    (globalThis as { testNatsServer?: NatsServer }).testNatsServer = nats;
    process.env.TEST_NATS_URL = nats.url;
  }
  if (TEST_DB !== 'mysql') {
    return;
  }
  try {
    await adminQuery('SELECT 1');
  } catch (err) {
    throw new Error(
      `TEST_DB=mysql but ${TEST_MYSQL_URL} is unreachable: ${(err as Error).message}`,
    );
  }
}
