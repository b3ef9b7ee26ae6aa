// Fault tier (npm run test:faults): long fuzz runs (FUZZ_RUNS), SIGKILL crash consistency, database
// outages under load. The same real-HTTP, real-database set-up as the e2e tier; TEST_DB=mysql for
// MariaDB. Files run one at a time.
const e2e = require('../jest-e2e.config.js');

module.exports = {
  ...e2e,
  rootDir: '../..',
  testRegex: '(\\.faults-spec|/http-fuzz\\.e2e-spec)\\.ts$',
  testTimeout: 180000,
};
