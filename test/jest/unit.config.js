// Unit tier (npm run test:unit): *.spec.ts next to the source and the ops checks, no database server,
// no network. *.mysql-spec.ts files run with `npm run test:mysql`.
const shared = require('./shared');

module.exports = {
  ...shared,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test/ops'],
  testRegex: '.*\\.spec\\.ts$',
  clearMocks: true,
};
