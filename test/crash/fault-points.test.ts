/**
 * A worker armed with a fault point SIGKILLs itself at a named place of the commit path;
 * a clean worker then finishes the work. A kill before the commit redoes that work, a kill
 * after it redoes nothing, and a kill between an activity's run and its completion runs
 * that activity again — and nothing else.
 *
 * The armed worker runs one activity at a time, so the kill interrupts at most one call
 * and the duplicates the log may hold are known exactly.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { crashFunctions } from "./fixtures/functions.js";
import {
  activityLogProblems,
  CRASH_TEST_TIMEOUT_MS,
  crashWorld,
  duplicatedKeys,
  expectAllCompleted,
  quietLogger,
  readActivityLog,
  readCommitted,
  redoneProblems,
  spawnWorker,
  startInstances,
  startsByKey,
  storeErrors,
  leftoverWork,
  storeProblems,
  waitAllFinished,
  type CommittedState,
  type LogEntry,
  type Started,
} from "./crash-kit.js";

const INSTANCES = 10;
const HIT = 5;
// The armed worker's leases are what the clean one waits out after the kill: a few seconds, for
// a busy machine must not let them lapse while it lives (it could then run a call twice, and
// the checks know exactly which calls may run twice).
const WORKER_ENV = { CRASH_LEASE_MS: "5000", CRASH_POLL_MS: "50", CRASH_MIN_DELAY_MS: "2", CRASH_MAX_DELAY_MS: "8" };
// The clean worker never dies: a long lease.
const CLEAN_ENV = { ...WORKER_ENV, CRASH_LEASE_MS: "30000" };

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

interface FaultRun {
  instances: Started[];
  keys: string[];
  log: LogEntry[];
  /** The log as it was when the armed worker died. */
  logAtDeath: LogEntry[];
  /** What the store held when the armed worker died. */
  atDeath: CommittedState;
  deadPid: number;
}

/** Starts the instances, runs an armed worker until it kills itself, then a clean one until all complete. */
async function runWithFault(faultPoint: string): Promise<FaultRun> {
  const { storeUrl, logFile } = crashWorld(tempDir("baton-fault-"));
  parent = await createBaton({ store: storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
  const instances = await startInstances(parent.client, INSTANCES);

  const armed = spawnWorker(storeUrl, logFile, { ...WORKER_ENV, CRASH_MAX_ACTIVITIES: "1", BATON_FAULT_POINT: `${faultPoint}:${HIT}` });
  await armed.ready();
  expect(await armed.waitForExit()).toEqual({ code: null, signal: "SIGKILL" });
  const logAtDeath = readActivityLog(logFile);
  const atDeath = await readCommitted(storeUrl);
  expect(await storeProblems(storeUrl)).toEqual([]);

  const clean = spawnWorker(storeUrl, logFile, CLEAN_ENV);
  await clean.ready();
  const statuses = await waitAllFinished(parent.client, instances);
  expect(await clean.kill("SIGTERM")).toEqual({ code: 0, signal: null });

  const keys = expectAllCompleted(statuses, instances);
  const log = readActivityLog(logFile);
  expect(activityLogProblems(log, keys, new Set([armed.pid]))).toEqual([]);
  expect(await storeProblems(storeUrl)).toEqual([]);
  expect(await leftoverWork(storeUrl)).toEqual({ tasks: 0, messages: 0 });
  expect(storeErrors([armed, clean])).toEqual([]);
  // Whatever was committed when the armed worker died stays as it was, and is not run again.
  expect(redoneProblems(atDeath, await readCommitted(storeUrl), log.slice(logAtDeath.length))).toEqual([]);
  return { instances, keys, log, logAtDeath, atDeath, deadPid: armed.pid };
}

/** Calls the dead worker started whose completion it had not committed. */
function uncommittedByDead(run: FaultRun): string[] {
  return run.logAtDeath.filter((e) => e.kind === "start" && e.pid === run.deadPid && !run.atDeath.completedKeys.has(e.key)).map((e) => e.key);
}

describe("fault points", { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it("before-commit: a batch cut off before its commit leaves no trace, and its work is redone", async () => {
    const run = await runWithFault("before-commit");
    expect(run.logAtDeath.length).toBeGreaterThan(0);
    // One activity at a time: at most one call was running or awaiting its commit.
    const lost = uncommittedByDead(run);
    expect(lost.length).toBeLessThanOrEqual(1);
    expect(duplicatedKeys(run.log)).toEqual(lost);
  });

  it("after-commit: what was committed is not redone", async () => {
    const run = await runWithFault("after-commit");
    expect(run.logAtDeath.length).toBeGreaterThan(0);
    // Committed completions are never run again (checked in runWithFault); only a call
    // still running when the process died may be.
    const lost = uncommittedByDead(run);
    expect(lost.length).toBeLessThanOrEqual(1);
    expect(duplicatedKeys(run.log)).toEqual(lost);
  });

  it("activity-after-run-before-complete: the activity whose completion was lost runs again, and only it", async () => {
    const run = await runWithFault("activity-after-run-before-complete");
    // The armed worker ran HIT activities to their end, one at a time; the last one's completion was lost.
    const endsByDead = run.logAtDeath.filter((e) => e.kind === "end" && e.pid === run.deadPid);
    expect(endsByDead).toHaveLength(HIT);
    const lostKey = endsByDead[HIT - 1]!.key;
    expect(run.atDeath.completedKeys.has(lostKey)).toBe(false);
    for (const { key } of endsByDead.slice(0, -1)) expect(run.atDeath.completedKeys.has(key)).toBe(true);

    expect(duplicatedKeys(run.log)).toEqual([lostKey]);
    const starts = startsByKey(run.log).get(lostKey)!;
    expect(starts).toHaveLength(2);
    expect(starts[0]!.pid).toBe(run.deadPid);
    expect(starts[1]!.pid).not.toBe(run.deadPid);
  });
});
