/**
 * Test layers (CONTRIBUTING.md says which to run when):
 * - unit: test/unit/ — no server, no build, no network; seconds (`npm run test:unit`).
 * - server: test/integration/ (a real Temporal dev server + worker + the simulator over loopback),
 *   test/e2e/ (the built CLI as processes, `dev`), test/chaos/ (the chaos runs' npm-test profile).
 * Opt-in, each its own CI step: test/cluster/ (PostgreSQL-backed Temporal, `npm run test:cluster`) and
 * test/install/ (the packed tarball in throw-away apps, `npm run test:install`).
 * `npm test` runs every project.
 */
const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

module.exports = {
  // Each server test file starts its own dev server; two at a time is what 2 cores sustain.
  maxWorkers: 2,
  testTimeout: 120_000,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...shared,
      displayName: 'server',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/unit/',
        ...(process.env.RIVYA_CLUSTER_TESTS === '1' ? [] : ['<rootDir>/test/cluster/']),
        ...(process.env.RIVYA_INSTALL_TESTS === '1' ? [] : ['<rootDir>/test/install/']),
      ],
      // A real Temporal CLI for the dev servers (found or built once, before any server test).
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    },
  ],
};
