// Cluster tier (npm run test:cluster): the built server against database topologies the tests start
// privately (own data directories and ports, stopped afterwards): a MariaDB primary with a replica,
// a 3-node Galera cluster. The shared MariaDB is never touched. Files one at a time.
const shared = require('./shared');

module.exports = {
  ...shared,
  roots: ['<rootDir>/test/cluster'],
  testRegex: '\\.cluster-spec\\.ts$',
  globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
  maxWorkers: 1,
  testTimeout: 180000,
};
