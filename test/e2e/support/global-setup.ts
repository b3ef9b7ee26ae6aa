import { adminQuery, TEST_DB, TEST_MYSQL_URL } from './test-database';

export default async function globalSetup(): Promise<void> {
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
