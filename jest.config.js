/** Every test file talks to a real Temporal dev server and the Rivya simulator over loopback. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/cluster/ runs against the PostgreSQL-backed server (`npm run test:cluster`, its own CI step):
  // it needs PostgreSQL and Go-built binaries, which plain `npm test` does not ask of a developer.
  // test/install/ packs the package and installs it into throw-away apps (`npm run test:install`, its
  // own CI step): minutes of npm installs and Node downloads that plain `npm test` does not ask for.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.RIVYA_CLUSTER_TESTS === '1' ? [] : ['<rootDir>/test/cluster/']),
    ...(process.env.RIVYA_INSTALL_TESTS === '1' ? [] : ['<rootDir>/test/install/']),
  ],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  // Each test file starts its own dev server; two at a time is what 2 cores sustain.
  maxWorkers: 2,
  testTimeout: 120_000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};
