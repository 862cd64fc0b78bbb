/**
 * Worker processes SIGKILLed at random moments (each while it runs an activity, which the kill
 * cuts off) while 40 instances run: a fresh worker
 * takes over each time (once the dead one's leases expire), and at the end every instance
 * has completed with the right output, every step committed once, and an activity ran
 * again only where the process running it was killed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { crashFunctions } from "./fixtures/functions.js";
import {
  activityLogProblems,
  countUnfinished,
  CRASH_TEST_TIMEOUT_MS,
  crashWorld,
  duplicatedKeys,
  expectAllCompleted,
  freezeWhileRunningActivity,
  quietLogger,
  randomBetween,
  readActivityLog,
  readCommitted,
  redoneProblems,
  sleep,
  spawnWorker,
  startInstances,
  storeErrors,
  leftoverWork,
  storeProblems,
  waitAllFinished,
  unended,
  type FixtureProcess,
  type CommittedState,
} from "./crash-kit.js";

const INSTANCES = 40;
const KILLS = 4;
// Few activities at once, each a few ms to a few tens of ms: the work outlasts the kills.
const WORKER_ENV = { CRASH_LEASE_MS: "1000", CRASH_POLL_MS: "50", CRASH_MIN_DELAY_MS: "5", CRASH_MAX_DELAY_MS: "30", CRASH_MAX_ACTIVITIES: "4" };
// The survivor is never killed: a long lease, which a busy machine cannot let lapse (a live
// worker whose lease lapsed could run a call twice, which the checks rightly refuse).
const SURVIVOR_ENV = { ...WORKER_ENV, CRASH_LEASE_MS: "30000" };

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

describe("workers killed with SIGKILL at random moments", { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it("lose nothing and commit every step once; only calls in flight in a killed process run again", async () => {
    const { storeUrl, logFile } = crashWorld(tempDir("baton-crash-"));
    // A baton that never starts: its client knows the orchestration by definition.
    parent = await createBaton({ store: storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
    const instances = await startInstances(parent.client, INSTANCES);

    const workers: FixtureProcess[] = [];
    const killed = new Set<number>();
    const unfinishedAtKill: number[] = [];
    const atKills: { committed: CommittedState; logLength: number }[] = [];
    for (let i = 0; i < KILLS; i++) {
      const worker = spawnWorker(storeUrl, logFile, WORKER_ENV);
      workers.push(worker);
      await worker.ready();
      // A random moment, then the first at which it runs an activity: each kill cuts a call off.
      await sleep(randomBetween(150, 400));
      expect(await freezeWhileRunningActivity(worker, logFile), "the worker ran an activity to be cut off").toBe(true);
      unfinishedAtKill.push(await countUnfinished(parent.client));
      const exit = await worker.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      killed.add(worker.pid);
      atKills.push({ committed: await readCommitted(storeUrl), logLength: readActivityLog(logFile).length });
    }
    // Every kill landed while work was left.
    expect(unfinishedAtKill.every((n) => n > 0), `unfinished instances at each kill: ${unfinishedAtKill}`).toBe(true);

    const survivor = spawnWorker(storeUrl, logFile, SURVIVOR_ENV);
    workers.push(survivor);
    await survivor.ready();
    const statuses = await waitAllFinished(parent.client, instances);
    expect(await survivor.kill("SIGTERM")).toEqual({ code: 0, signal: null });

    const keys = expectAllCompleted(statuses, instances);
    expect(keys).toHaveLength(new Set(keys).size);
    const log = readActivityLog(logFile);
    expect(activityLogProblems(log, keys, killed)).toEqual([]);
    // Every kill cut a running activity off, and those calls had to run again.
    const interrupted = unended(log).filter((s) => killed.has(s.pid));
    expect(new Set(interrupted.map((s) => s.pid))).toEqual(killed);
    for (const { key } of interrupted) expect(duplicatedKeys(log)).toContain(key);
    // What was committed when a worker died stayed so, and no call it had completed ran again.
    const final = await readCommitted(storeUrl);
    for (const { committed, logLength } of atKills) expect(redoneProblems(committed, final, log.slice(logLength))).toEqual([]);
    expect(await storeProblems(storeUrl)).toEqual([]);
    expect(await leftoverWork(storeUrl)).toEqual({ tasks: 0, messages: 0 });
    expect(storeErrors(workers)).toEqual([]);
  });
});
