/**
 * Two projects: every test against the machine's single Redis, and the Redis-touching behaviour (chat,
 * persistence, archive, schedulers, push, crash recovery) again against a Redis Cluster of the run's own
 * (3 masters + 3 replicas, started by test/support/cluster-global-setup.ts). The cluster failover test starts a
 * cluster of its own, since it kills a master.
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    // Type checking is done once by `tsc --noEmit` in `npm test`; per-file transpile keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

const onCluster = [
  'stomp-chat',
  'stomp-multi-gateway',
  'sockjs-session-life',
  'connection-budgets',
  'chat-crash-durability',
  'consultation-archive',
  'consultation-lifecycle',
  'schedulers',
  'push-notifications',
  'npm-start',
  'persist-index',
  'persist-drains',
  'data-office-retention',
  'data-office-erasure',
  'data-office-export-audit',
  'restore-exact',
  'dedupe-memory',
  'backup-segments',
];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'single', testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'cluster',
      testMatch: onCluster.map((name) => `**/test/${name}.test.ts`),
      globals: { OH_TEST_REDIS_CLUSTER: true },
      globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
    },
  ],
};
