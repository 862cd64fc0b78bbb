/**
 * Scale-out on PostgreSQL: three worker processes on one schema share 1,000 instances of the
 * crash-test orchestration (three calls in a row, then a fan-out of five: 8,000 activity
 * calls). Nothing is killed and leases are long, so every instance must complete with its
 * output, every step committed once, every call run exactly once (by whichever worker), no
 * lease ever lost, nothing left queued, and no worker reporting store trouble.
 */
import { describe, expect, it } from "vitest";
import { CALLS_PER_INSTANCE } from "../crash/fixtures/functions.js";
import {
  activityLogProblems,
  CRASH_TEST_TIMEOUT_MS,
  duplicatedKeys,
  expectAllCompleted,
  readActivityLog,
  startInstancesTogether,
  STALL_MS,
  waitAllFinished,
} from "../crash/crash-kit.js";
import { duplicateContext, expectCleanEnd, leaseLostLines, postgresAvailable, scaleWorld, startWorkers, startsByPid, stopWorkers } from "./scale-kit.js";

const INSTANCES = 1000;
const WORKERS = 3;
// Leases far longer than any pause a busy 2-core machine makes: no live worker may lose one.
// Each process runs at most 50 activities at once, so no one worker can take all the work.
const WORKER_ENV = { CRASH_LEASE_MS: "15000", CRASH_POLL_MS: "100", CRASH_MIN_DELAY_MS: "2", CRASH_MAX_DELAY_MS: "8", CRASH_MAX_ACTIVITIES: "50" };

describe.skipIf(!postgresAvailable)("three worker processes on one PostgreSQL schema", () => {
  it(`finish ${INSTANCES} instances, fan-outs included: each step committed once, each call run once`, { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    const world = await scaleWorld("baton-three-");
    const startedAt = Date.now();
    const instances = await startInstancesTogether(world.parent.client, INSTANCES, "three");
    const workers = await startWorkers(WORKERS, world, WORKER_ENV);
    const readyMs = Date.now() - startedAt;
    const statuses = await waitAllFinished(world.parent.client, instances, STALL_MS, 200).catch((error: Error) => {
      throw new Error(`${error.message}; the workers reported:\n${workers.map((w) => w.stderr).join("\n")}`);
    });
    const tookMs = Date.now() - startedAt;
    await stopWorkers(workers);

    const keys = expectAllCompleted(statuses, instances);
    expect(keys).toHaveLength(INSTANCES * CALLS_PER_INSTANCE);
    const log = readActivityLog(world.logFile);
    expect(duplicatedKeys(log), duplicateContext(log, workers)).toEqual([]);
    expect(activityLogProblems(log, keys, new Set())).toEqual([]);
    // All three took part.
    const byPid = startsByPid(log);
    expect([...byPid.keys()].sort(), `starts by pid: ${JSON.stringify([...byPid])}`).toEqual(workers.map((w) => w.pid).sort());
    expect(leaseLostLines(workers)).toEqual([]);
    await expectCleanEnd(world.storeUrl, workers);
    console.log(`three workers: ${INSTANCES} instances in ${tookMs} ms (created and workers ready after ${readyMs} ms); activity starts by pid ${JSON.stringify([...byPid])}`);
  });
});
