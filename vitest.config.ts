import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // No test sends reverse DNS queries to the machine's resolver: the suites that test DNS start their own
    // server on loopback and turn it on (servers started by tests inherit this).
    env: { DMARC_RDNS: 'off' },
  },
});
