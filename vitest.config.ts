// Two projects: fast unit tests (pure code), and integration/e2e tests against the real Kafka broker,
// the real ClickHouse engine and real Chromium. Forks, not threads: chDB allows one data path per process.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: the broker, chDB and Chromium already compete for them.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/e2e/**', 'test/tracker/**', '**/node_modules/**'],
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/tracker/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/support/global-kafka.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
