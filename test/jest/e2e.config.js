// e2e tier (npm run test:e2e): the real app over real HTTP on 127.0.0.1, against SQLite (default) or
// MySQL/MariaDB (TEST_DB=mysql, TEST_MYSQL_URL). Files run one at a time: each boots its own server
// and database.
const shared = require('./shared');

module.exports = {
  ...shared,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/e2e/support/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 30000,
};
