'use strict';

const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2020' }, module: { type: 'commonjs' } },
  ],
};

// The browser suite drives the playground on its own SQLite file: it runs with the SQLite pass
// of the suite only (chosen here, so that other databases neither skip nor run it).
const onSqlite = ['', 'sqlite'].includes((process.env.DATABASE_CLIENT || '').toLowerCase());

module.exports = {
  // Booting Strapi on a fresh database takes seconds (more on a busy 2-core machine).
  testTimeout: 180000,
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
    },
    ...(onSqlite
      ? [
          {
            displayName: 'e2e',
            rootDir: __dirname,
            testMatch: ['<rootDir>/tests/e2e/**/*.e2e.test.ts'],
            transform,
            testEnvironment: 'node',
            // Builds the playground's admin once and finds the browser, before the files run in parallel.
            globalSetup: '<rootDir>/tests/e2e/global-setup.js',
          },
        ]
      : []),
  ],
};
