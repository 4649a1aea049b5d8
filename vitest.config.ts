import { defineConfig } from 'vitest/config';

/**
 * One vitest run over every workspace project, so the suite shares one worker pool sized for
 * the 2-core CI machine and ends with one summary line.
 */
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test/e2e', 'test/deploy'],
    reporters: ['default', './test/summary-reporter.ts'],
    maxWorkers: 2,
  },
});
