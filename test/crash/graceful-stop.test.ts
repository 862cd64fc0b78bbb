/**
 * SIGTERM makes the worker process call baton.stop({ timeoutMs }) while activities run (they
 * wait at a gate the test opens, so that the stop finds them running however slow the
 * machine). With time to spare, they finish and commit, and nothing runs twice after a restart.
 * With almost none, their leases are released at once: the next worker takes the work
 * immediately, although leases last five minutes — and nothing is lost.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { crashFunctions } from "./fixtures/functions.js";
import {
  activityLogProblems,
  CRASH_TEST_TIMEOUT_MS,
  crashWorld,
  duplicatedKeys,
  expectAllCompleted,
  heldLeases,
  quietLogger,
  readActivityLog,
  readCommitted,
  spawnWorker,
  startInstances,
  startsByKey,
  storeErrors,
  leftoverWork,
  storeProblems,
  unended,
  waitAllFinished,
  type FixtureProcess,
  type CrashWorld,
  type Started,
} from "./crash-kit.js";

const INSTANCES = 10;
// Far longer than a loaded machine takes to run both workers: a worker that waited for
// expiry instead of a release would be seen to.
const LEASE_MS = 300_000;
const WORKER_ENV = { CRASH_LEASE_MS: String(LEASE_MS), CRASH_POLL_MS: "50", CRASH_MIN_DELAY_MS: "300", CRASH_MAX_DELAY_MS: "300" };

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

interface Stopped {
  world: CrashWorld;
  instances: Started[];
  stopped: FixtureProcess;
  /** Before the stopped worker started: every lease it took lasts until LEASE_MS after this at least. */
  spawnedAt: number;
}

/**
 * Runs a worker whose activities wait at a gate once started, sends it SIGTERM while they wait,
 * and waits for its clean exit. With `openGateWhileStopping`, the gate opens once the worker has
 * begun to stop: its activities finish during the stop. Otherwise they still wait when the
 * stop's timeout passes, however slow the machine.
 */
async function stopWhileActivitiesRun(stopTimeoutMs: number, openGateWhileStopping: boolean): Promise<Stopped> {
  const dir = tempDir("baton-stop-");
  const world = crashWorld(dir);
  const gate = join(dir, "gate");
  parent = await createBaton({ store: world.storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
  const instances = await startInstances(parent.client, INSTANCES);
  const spawnedAt = Date.now();
  const stopped = spawnWorker(world.storeUrl, world.logFile, { ...WORKER_ENV, CRASH_STOP_TIMEOUT_MS: String(stopTimeoutMs), CRASH_HOLD_UNTIL_FILE: gate });
  await stopped.ready();
  await waitUntil(() => (unended(readActivityLog(world.logFile)).length > 0 ? true : undefined), "activities to be running", 60_000);
  stopped.signal("SIGTERM");
  if (openGateWhileStopping) {
    await stopped.waitForLine("stopping");
    writeFileSync(gate, "open");
  }
  expect(await stopped.exited).toEqual({ code: 0, signal: null });
  expect(stopped.stdout).toContain("stopped");
  return { world, instances, stopped, spawnedAt };
}

describe("graceful stop while activities are in flight", { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it("with a generous timeout, running activities finish and commit; none runs twice after a restart", async () => {
    const { world, instances, stopped } = await stopWhileActivitiesRun(60_000, true);
    const logAtStop = readActivityLog(world.logFile);
    const ranBeforeStop = logAtStop.filter((e) => e.kind === "start").map((e) => e.key);
    expect(ranBeforeStop.length).toBeGreaterThan(0);
    expect(unended(logAtStop)).toEqual([]);
    const committed = await readCommitted(world.storeUrl);
    expect(ranBeforeStop.filter((key) => !committed.completedKeys.has(key))).toEqual([]);
    expect(await heldLeases(world.storeUrl)).toEqual({ instances: 0, tasks: 0 });

    const next = spawnWorker(world.storeUrl, world.logFile, WORKER_ENV);
    await next.ready();
    const statuses = await waitAllFinished(parent!.client, instances);
    expect(await next.kill("SIGTERM")).toEqual({ code: 0, signal: null });

    const keys = expectAllCompleted(statuses, instances);
    const log = readActivityLog(world.logFile);
    expect(duplicatedKeys(log)).toEqual([]);
    expect(activityLogProblems(log, keys, new Set())).toEqual([]);
    expect(await storeProblems(world.storeUrl)).toEqual([]);
    expect(await leftoverWork(world.storeUrl)).toEqual({ tasks: 0, messages: 0 });
    expect(storeErrors([stopped, next])).toEqual([]);
  });

  it("with a tiny timeout, running activities are released at once and a new worker takes them long before their lease would expire", async () => {
    const { world, instances, stopped, spawnedAt } = await stopWhileActivitiesRun(50, false);
    const logAtStop = readActivityLog(world.logFile);
    const interrupted = unended(logAtStop, stopped.pid).map((e) => e.key);
    expect(interrupted.length).toBeGreaterThan(0);
    expect(await heldLeases(world.storeUrl)).toEqual({ instances: 0, tasks: 0 });

    const next = spawnWorker(world.storeUrl, world.logFile, WORKER_ENV);
    await next.ready();
    const statuses = await waitAllFinished(parent!.client, instances);
    // Every lease the stopped worker took runs until LEASE_MS after its spawn at the earliest:
    // all done before then, its interrupted calls were taken over before any lease expired.
    const leasesExpireAt = spawnedAt + LEASE_MS;
    expect(Date.now(), `all done before the stopped worker's leases expire (at ${leasesExpireAt})`).toBeLessThan(leasesExpireAt);
    expect(await next.kill("SIGTERM")).toEqual({ code: 0, signal: null });

    const keys = expectAllCompleted(statuses, instances);
    const log = readActivityLog(world.logFile);
    expect(activityLogProblems(log, keys, new Set([stopped.pid]))).toEqual([]);
    // Only the interrupted calls ran again, each once more, in the new worker.
    expect(duplicatedKeys(log).sort()).toEqual([...interrupted].sort());
    for (const key of interrupted) expect(startsByKey(log).get(key)!.map((s) => s.pid)).toEqual([stopped.pid, next.pid]);
    expect(await storeProblems(world.storeUrl)).toEqual([]);
    expect(await leftoverWork(world.storeUrl)).toEqual({ tasks: 0, messages: 0 });
    expect(storeErrors([stopped, next])).toEqual([]);
  });
});
