import { adminQuery, E2E_DB_PREFIX, TEST_DB } from './test-database';

/** Drops any e2e database a crashed test file left behind. */
export default async function globalTeardown(): Promise<void> {
  if (TEST_DB !== 'mysql') {
    return;
  }
  const rows = await adminQuery<Record<string, string>[]>(
    `SHOW DATABASES LIKE '${E2E_DB_PREFIX}%'`,
  );
  for (const row of rows) {
    await adminQuery(`DROP DATABASE IF EXISTS \`${Object.values(row)[0]}\``);
  }
}
