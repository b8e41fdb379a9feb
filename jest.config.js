/** Every test file talks to a real Temporal dev server and the Rivya simulator over loopback. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/cluster/ runs against the PostgreSQL-backed server (`npm run test:cluster`, its own CI step):
  // it needs PostgreSQL and Go-built binaries, which plain `npm test` does not ask of a developer.
  testPathIgnorePatterns: process.env.RIVYA_CLUSTER_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/cluster/'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  // Each test file starts its own dev server; two at a time is what 2 cores sustain.
  maxWorkers: 2,
  testTimeout: 120_000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};
