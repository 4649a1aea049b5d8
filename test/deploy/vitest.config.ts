import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'deploy-tests',
    include: ['**/*.test.ts'],
    // Building the runtime folder runs esbuild and `pnpm deploy` (about 15 s on 2 cores).
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
