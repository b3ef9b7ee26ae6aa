// jest loads global set-up outside its module mapper: no path aliases here.
// eslint-disable-next-line no-restricted-imports
import { adminQuery, e2eRunPrefix, TEST_DB } from '../../support/test-database';

/**
 * Drops any e2e database a crashed test file of this run left behind. Only this run's: several runs
 * may share one MySQL server (developers' machines), and another run's databases are in use.
 */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testNatsServer?: { destroy(): Promise<void> } }).testNatsServer?.destroy();
  if (TEST_DB !== 'mysql') {
    return;
  }
  const pattern = `${e2eRunPrefix().replace(/_/g, '\\_')}%`;
  const rows = await adminQuery<Record<string, string>[]>(`SHOW DATABASES LIKE '${pattern}'`);
  for (const row of rows) {
    await adminQuery(`DROP DATABASE IF EXISTS \`${Object.values(row)[0]}\``);
  }
}
