/**
 * PostgreSQL connections cut from the server side: while three worker processes share one
 * schema, the test terminates the backends of their connections (pg_terminate_backend: their
 * pools and their LISTEN connections, chosen by the application_name each worker's connections
 * carry, so no other test's connections are touched), again and again, at random moments,
 * mid-transaction included. The store retries transient failures: the workers stay up and
 * reconnect, report no store trouble, and every instance completes with its output, every
 * step committed once and every call run once.
 */
import { describe, expect, it } from "vitest";
import {
  activityLogProblems,
  countUnfinished,
  CRASH_TEST_TIMEOUT_MS,
  duplicatedKeys,
  expectAllCompleted,
  randomBetween,
  readActivityLog,
  sleep,
  STALL_MS,
  startInstancesTogether,
  terminateBackends,
  waitAllFinished,
  type Backend,
} from "../crash/crash-kit.js";
import { duplicateContext, expectCleanEnd, postgresAvailable, scaleWorld, startWorkers, stopWorkers } from "./scale-kit.js";

// Enough work to outlast many rounds of terminations (the run must not end before they do).
const INSTANCES = 600;
const WORKERS = 3;
// No worker dies: leases may be long (a renewal cut off is retried well within them).
const WORKER_ENV = { CRASH_LEASE_MS: "30000", CRASH_POLL_MS: "100", CRASH_MIN_DELAY_MS: "5", CRASH_MAX_DELAY_MS: "30", CRASH_MAX_ACTIVITIES: "10" };

describe.skipIf(!postgresAvailable)("workers whose PostgreSQL backends are terminated again and again", () => {
  it("reconnect, and every instance completes with each step committed once and each call run once", { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    const world = await scaleWorld("baton-scale-term-");
    const instances = await startInstancesTogether(world.parent.client, INSTANCES, "term");
    const workers = await startWorkers(WORKERS, world, WORKER_ENV);
    const appNames = workers.map((w) => w.appName);

    const terminated: Backend[] = [];
    let rounds = 0;
    // How long the terminations go on at most (the work may outlast them on a busy machine): a
    // budget for the disruption, not a bound on the run.
    const deadline = Date.now() + 60_000;
    // Each round cuts one worker's connections, every fourth round all of them: each worker loses
    // its connections every second or two, often enough to cut many transactions, rarely enough
    // that a transaction (a group commit of dozens of episodes takes a while on a busy machine)
    // gets through within the store's 30 s of retries. Every eighth round is a burst instead:
    // all of them, every few tens of ms for a second, which also cuts connections as they open
    // (the server sends the termination right behind the startup's ReadyForQuery).
    while ((await countUnfinished(world.parent.client)) > 0 && Date.now() < deadline) {
      await sleep(randomBetween(250, 750));
      if (rounds % 8 === 7) {
        for (const burstEnd = Date.now() + 1000; Date.now() < burstEnd; ) {
          terminated.push(...(await terminateBackends(world.storeUrl, appNames)));
          await sleep(randomBetween(10, 40));
        }
      } else {
        const targets = rounds % 4 === 3 ? appNames : [appNames[randomBetween(0, appNames.length - 1)]!];
        terminated.push(...(await terminateBackends(world.storeUrl, targets)));
      }
      rounds++;
    }
    const statuses = await waitAllFinished(world.parent.client, instances, STALL_MS, 100).catch((error: Error) => {
      throw new Error(`${error.message} after ${rounds} rounds of terminations; the workers reported:\n${workers.map((w) => w.stderr).join("\n")}`);
    });
    // No worker died of a connection cut under it (an unhandled 'error' event would kill it).
    expect(workers.map((w) => ({ pid: w.pid, alive: w.alive, stderr: w.alive ? "" : w.stderr }))).toEqual(
      workers.map((w) => ({ pid: w.pid, alive: true, stderr: "" })),
    );
    await stopWorkers(workers);

    // The terminations were many, hit every worker, and cut transactions midway.
    const midway = terminated.filter((b) => b.state === "active" || b.state?.startsWith("idle in transaction"));
    expect(rounds).toBeGreaterThanOrEqual(10);
    expect(new Set(terminated.map((b) => b.appName))).toEqual(new Set(appNames));
    expect(midway.length, `states at termination: ${JSON.stringify(terminated.map((b) => b.state))}`).toBeGreaterThan(0);

    const keys = expectAllCompleted(statuses, instances);
    const log = readActivityLog(world.logFile);
    expect(duplicatedKeys(log), duplicateContext(log, workers)).toEqual([]);
    expect(activityLogProblems(log, keys, new Set())).toEqual([]);
    await expectCleanEnd(world.storeUrl, workers);
    console.log(`backend termination: ${rounds} rounds, ${terminated.length} backends terminated (${midway.length} mid-transaction)`);
  });
});
