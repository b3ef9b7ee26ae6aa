// Unit tier (npm run test:unit): *.spec.ts next to the source, the ops checks and the query suites on
// the app's Customer (test/query: the query library knows no resource), no database server, no
// network. *.mysql-spec.ts files run with `npm run test:mysql`.
const shared = require('./shared');

module.exports = {
  ...shared,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test/ops', '<rootDir>/test/query'],
  testRegex: '.*\\.spec\\.ts$',
  clearMocks: true,
};
