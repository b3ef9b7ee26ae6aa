// `npx jest <file>` runs a unit spec: the tiers' configs are together in test/jest/.
module.exports = require('./test/jest/unit.config');
