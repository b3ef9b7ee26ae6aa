// What every jest tier shares: ts-jest with the tsconfig path aliases, from the repository root.
const { join } = require('node:path');

const { pathsToModuleNameMapper } = require('ts-jest');

const { compilerOptions } = require('../../tsconfig.json');

module.exports = {
  rootDir: join(__dirname, '..', '..'),
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // Dependencies that ship only ESM, which jest 29's module system cannot load: content-disposition 3
    // (a dependency of @fastify/static, used by Swagger UI) and jose 6. Node 24 itself loads them.
    'node_modules/(content-disposition|jose)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
};
