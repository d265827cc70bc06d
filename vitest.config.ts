import { defineConfig } from 'vitest/config';

// Two projects: `unit` (fast, no Neovim, next to the code and in test/fakes) and `e2e`
// (a real headless Neovim per test file, the real Lua layer and the bundled host).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/fakes/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Each file starts its own Neovim + host; two cores, so keep it modest.
          maxWorkers: 2,
        },
      },
    ],
  },
});
