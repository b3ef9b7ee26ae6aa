// Fault tier (npm run test:faults): long fuzz runs (FUZZ_RUNS), SIGKILL crash consistency, database
// outages under load. The e2e tier's set-up (real HTTP, real databases, TEST_DB=mysql for MariaDB),
// files one at a time.
const e2e = require('./e2e.config');

module.exports = {
  ...e2e,
  testRegex: '(\\.faults-spec|/http-fuzz\\.e2e-spec)\\.ts$',
  testTimeout: 180000,
};
