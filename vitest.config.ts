import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crash tests spawn worker processes; keep the 2-core machine from thrashing.
    maxWorkers: 2,
  },
});
