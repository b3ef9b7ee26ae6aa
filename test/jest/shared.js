// What every jest tier shares: ts-jest with the tsconfig path aliases, from the repository root.
const { join } = require('node:path');

const { pathsToModuleNameMapper } = require('ts-jest');

const { compilerOptions } = require('../../tsconfig.json');

module.exports = {
  rootDir: join(__dirname, '..', '..'),
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // content-disposition 3 (a dependency of @fastify/static, used by Swagger UI) ships only ESM.
    'node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
};
