/**
 * An activity's `concurrency` option caps the attempts running at once across all workers,
 * enforced by the store when claiming. Two worker processes share one store (a SQLite file,
 * or a PostgreSQL schema on the real server); the activity logs its start and end lines to one
 * file, so the test can replay the timeline and count the most executions that overlapped,
 * whichever process ran them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { crashFunctions } from "./fixtures/functions.js";
import { CRASH_STORES, type CrashStore } from "./kit/stores.js";
import { CRASH_TEST_TIMEOUT_MS, expectAllCompleted, maxOverlap, quietLogger, readActivityLog, spawnWorker, startInstances, storeErrors, waitAllFinished, type LogEntry } from "./crash-kit.js";

const INSTANCES = 12;
const CAP = 3;
// Each process may run 2 at once, so the two together could run 4: a cap of 3 must hold across
// them. The first runs wait until the log shows as many at once as the test looks for (the cap,
// or one more without it), however slowly a busy machine claims: a count short of that is then
// the store's doing, never the timing's. Each process holds at most 2, so both take part.
// Nothing is killed: leases are long, for a worker that a busy machine delays in renewing one
// would see its slot given to another while its attempt still runs (as documented), and the
// count would exceed the cap without anything being wrong.
const WORKER_ENV = { CRASH_LEASE_MS: "30000", CRASH_MIN_DELAY_MS: "30", CRASH_MAX_DELAY_MS: "60", CRASH_POLL_MS: "20", CRASH_MAX_ACTIVITIES: "2" };

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

async function runTwoWorkers(store: CrashStore, env: Record<string, string>): Promise<{ log: LogEntry[] }> {
  const { storeUrl, logFile } = store.world(tempDir("baton-cap-"));
  parent = await createBaton({ store: storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
  const workers = [spawnWorker(storeUrl, logFile, env), spawnWorker(storeUrl, logFile, env)];
  await Promise.all(workers.map((w) => w.ready()));
  const instances = await startInstances(parent.client, INSTANCES);
  const finished = await waitAllFinished(parent.client, instances);
  expectAllCompleted(finished, instances);
  expect(await Promise.all(workers.map((w) => w.kill("SIGTERM")))).toEqual(workers.map(() => ({ code: 0, signal: null })));
  expect(storeErrors(workers)).toEqual([]);
  return { log: readActivityLog(logFile) };
}

for (const store of CRASH_STORES) describe.skipIf(store.skip)(`activity concurrency across worker processes (${store.name})`, { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it(`never runs more than ${CAP} at once, over two processes that both take part`, async () => {
    const { log } = await runTwoWorkers(store, { ...WORKER_ENV, CRASH_CONCURRENCY: String(CAP), CRASH_HOLD_UNTIL_OVERLAP: String(CAP) });
    expect(maxOverlap(log)).toBeLessThanOrEqual(CAP);
    expect(maxOverlap(log)).toBe(CAP); // reached: the cap, not a lack of work, bounds it
    expect(new Set(log.filter((e) => e.kind === "start").map((e) => e.pid)).size).toBe(2);
  });

  it("without the option, the same run goes well past that (so the count above can fail)", async () => {
    const { log } = await runTwoWorkers(store, { ...WORKER_ENV, CRASH_HOLD_UNTIL_OVERLAP: String(CAP + 1) });
    expect(maxOverlap(log)).toBeGreaterThan(CAP);
  });
});
