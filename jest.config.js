/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  // Silences only @azure/functions' "test mode" warnings (it runs outside the host in tests).
  setupFiles: ['<rootDir>/test/support/quietFunctionsTestMode.ts'],
  // Integration suites each start their own Azurite and simulator; two at once is what 2 cores hold.
  maxWorkers: 2,
  // `npm run test:unit`: pure logic only: no Azurite, no simulator, no browser, no child processes, no soak.
  ...(process.env.QRN_UNIT_ONLY === '1'
    ? { testPathIgnorePatterns: ['\\.integration\\.test\\.ts$', '\\.e2e\\.test\\.ts$', '/test/simulator/'] }
    : {}),
};
