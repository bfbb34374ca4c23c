// Three projects, split by what a test may touch (docs/architecture.md, "Tests"):
// unit (no I/O), integration (Azurite + real SDK clients), e2e (the running stack over HTTP).
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // @microsoft/app-manifest require()s the ESM-only strip-bom: Node 20.19+ allows that, Jest's
  // module runtime does not, so that one file is compiled to CommonJS for the tests.
  '/strip-bom/index\\.js$': [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(.*/)?strip-bom/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  // A guard against hangs, not a speed target: speed is measured by `npm run bench`.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/azurite-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/azurite-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/azurite-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/azurite-global-teardown.ts',
    },
  ],
};
