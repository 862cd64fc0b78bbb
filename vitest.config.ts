import pg from "pg";
import { configDefaults, defineConfig } from "vitest/config";

const POSTGRES_URL = process.env.BATON_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Suites that reach the store only through Baton's API: they run once per store. */
const SUITES_ON_EVERY_STORE = ["test/engine/**/*.test.ts", "test/worker/**/*.test.ts", "test/client/**/*.test.ts", "test/examples/**/*.test.ts"];

/** Tests written as users write them, with batonjs/testing on its own in-memory store: once is enough. */
const ON_THEIR_OWN_STORE = ["test/examples/kit/**"];

/** Restarts the PostgreSQL server, disrupting every other test that uses it: its own project, run separately. */
const SERVER_RESTART = "test/scale-out/server-restart.test.ts";

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    // Under CI the project still runs, and its tests fail: CI must test PostgreSQL.
    if (process.env.CI === "true") return true;
    console.warn(
      `\n*** PostgreSQL is not reachable at ${POSTGRES_URL} (${(error as Error).message}): ` +
        `the "postgres" test project is SKIPPED. Start the server or set BATON_TEST_POSTGRES_URL. ***\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default defineConfig(async () => ({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a state; its default of 1 s is an expectation of speed that a loaded
    // machine does not meet. Like waitUntil (test/helpers/wait.ts): a generous bound.
    expect: { poll: { timeout: 20_000 } },
    // Crash tests spawn worker processes; keep the 2-core machine from thrashing.
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts"],
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, SERVER_RESTART] } },
      ...((await postgresReachable())
        ? [{ extends: true, test: { name: "postgres", include: SUITES_ON_EVERY_STORE, exclude: [...configDefaults.exclude, ...ON_THEIR_OWN_STORE], env: { BATON_TEST_STORE: "postgres" } } }]
        : []),
      // Restarts the PostgreSQL server: run on its own, after the rest (npm test does), never alongside other tests.
      ...(process.env.BATON_SERVER_RESTART === "1" ? [{ extends: true, test: { name: "server-restart", include: [SERVER_RESTART] } }] : []),
    ],
  },
}));
