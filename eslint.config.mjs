// Type-aware lint. The architecture's boundaries are import restrictions here, so crossing one fails CI:
// - the app: `./` inside a folder, an alias (@server/..., @app/<lib>) across folders;
// - customer/ never imports hub/; hub/ sees only the customer's events and its public contract file;
//   database/ imports no feature (it knows tables, not modules) but the Customer's table mapping;
// - tests: a tier (test/e2e, faults, load, ops, query, conformance) imports what tiers share from
//   @test/fixtures (documents) and @test/support (harness), never another tier's folder; unit specs
//   take fixtures only;
// - libraries never import the app; json-patch, tmf-query and tmf629-v5 import nothing of Nest, and of
//   tmf-common only its framework-free entry (@app/tmf-common/core), itself free of Nest;
// - inside a library: `./` inside a folder, the library's own alias (@app/<lib>/<folder>) across folders.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const PARENT = {
  regex: '^\\.\\./',
  message: 'Use a path alias (@server/..., @app/<lib>/...) or a ./ import inside the folder.',
};
const APP_IN_LIB = {
  regex: '^(@server|@test)/|(^|/)apps/',
  message: 'Libraries never import the app or its tests.',
};
const NEST = {
  regex: '^(@nestjs/|fastify$|@fastify/|class-validator$|class-transformer$)',
  message:
    'This code is framework-free: no Nest, Fastify or class-validator, not even through a barrel.',
};
const TMF_COMMON_BUT_CORE = {
  regex: '^@app/tmf-common(?!/core$)(/.*)?$',
  message: 'A Nest-free library imports only @app/tmf-common/core (the barrel loads Nest).',
};
const LIB_INTERNALS = {
  regex: '^@app/(tmf-common|tmf-query|json-patch|tmf629-v5)/(?!core$)',
  message: 'The app imports a library through its entry (@app/<lib>, or @app/tmf-common/core).',
};

const TIER_IN_TEST = {
  regex: '^@test/(?!fixtures/|support/)',
  message: 'Tiers share code through @test/fixtures and @test/support only; inside a tier use ./',
};
const TESTS_IN_APP = {
  regex: '^@test/(?!fixtures/)',
  message: 'The app imports no test code; its unit specs may take documents from @test/fixtures.',
};

/** `no-restricted-imports` with these patterns (each block lists all that apply to its files). */
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/explicit-function-return-type': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      ...restrict(PARENT),
    },
  },
  {
    files: ['apps/**/*.ts'],
    rules: restrict(PARENT, LIB_INTERNALS, TESTS_IN_APP),
  },
  {
    files: ['apps/customer-management/src/customer/**/*.ts'],
    rules: restrict(PARENT, LIB_INTERNALS, TESTS_IN_APP, {
      regex: '^@server/hub(/|$)',
      message: 'The Customer module never imports the Hub: the hub listens to its events.',
    }),
  },
  {
    files: ['apps/customer-management/src/hub/**/*.ts'],
    rules: restrict(PARENT, LIB_INTERNALS, TESTS_IN_APP, {
      regex: '^@server/customer(?!/events$|/customer\\.contract$)(/|$)',
      message:
        'The Hub sees the Customer module only through its events (@server/customer/events) and its contract (@server/customer/customer.contract).',
    }),
  },
  {
    files: ['apps/customer-management/src/database/**/*.ts'],
    rules: restrict(PARENT, LIB_INTERNALS, TESTS_IN_APP, {
      regex: '^@server/(customer(?!/customer\\.storage$)|hub|auth|health|metrics)(/|$)',
      message:
        'database/ imports no feature module: it knows tables (migrations), not features; of the Customer only its table mapping (@server/customer/customer.storage).',
    }),
  },
  {
    files: ['libs/**/*.ts'],
    rules: restrict(PARENT, APP_IN_LIB),
  },
  {
    files: ['libs/json-patch/**/*.ts', 'libs/tmf-query/**/*.ts', 'libs/tmf629-v5/**/*.ts'],
    rules: restrict(PARENT, APP_IN_LIB, NEST, TMF_COMMON_BUT_CORE),
  },
  {
    files: ['libs/tmf-common/src/core/**/*.ts'],
    rules: restrict(PARENT, APP_IN_LIB, NEST, {
      regex: '^@app/',
      message: 'tmf-common/core stands alone: ./ imports and node: modules only.',
    }),
  },
  {
    files: ['test/**/*.ts'],
    rules: restrict(PARENT, TIER_IN_TEST),
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
