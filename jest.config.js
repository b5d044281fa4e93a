/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  // Integration suites each start their own Azurite and simulator; two at once is what 2 cores hold.
  maxWorkers: 2,
};
