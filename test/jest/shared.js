// What every jest tier shares: ts-jest with the tsconfig path aliases, from the repository root.
const { join } = require('node:path');

// Dependencies that ship only ES modules, which jest 29's CommonJS module system cannot load (Node 24
// itself requires them natively): content-disposition 3 (under @fastify/static, for Swagger UI), jose 6,
// @apidevtools/json-schema-ref-parser 15 (under openapi-backend, the drift test's validator).
// ts-jest compiles their JavaScript to CommonJS for the tests. ADR 0009.
const ESM_ONLY = ['content-disposition', 'jose', '@apidevtools/json-schema-ref-parser'];
const esmOnly = `(${ESM_ONLY.map((name) => name.replace('/', '\\/')).join('|')})`;

const { pathsToModuleNameMapper } = require('ts-jest');

const { compilerOptions } = require('../../tsconfig.json');

module.exports = {
  rootDir: join(__dirname, '..', '..'),
  transform: {
    '^.+\\.ts$': 'ts-jest',
    [`node_modules/${esmOnly}/.+\\.js$`]: [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!${esmOnly}/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
};
