/**
 * Scale-out on PostgreSQL under crashes: three worker processes share one schema while, again
 * and again, one of them (at a random moment, at random among those running an activity then)
 * is SIGKILLed and replaced by a fresh one. The others keep working throughout. Afterwards every instance has completed with its
 * output and every step committed once; nothing committed when a worker died was rewritten or
 * run again; and an activity ran more than once only where the process running it was killed.
 */
import { describe, expect, it } from "vitest";
import { CALLS_PER_INSTANCE } from "../crash/fixtures/functions.js";
import {
  activityLogProblems,
  countUnfinished,
  CRASH_TEST_TIMEOUT_MS,
  duplicatedKeys,
  expectAllCompleted,
  freezeWhileRunningActivity,
  randomBetween,
  readActivityLog,
  readCommitted,
  redoneProblems,
  sleep,
  spawnWorker,
  STALL_MS,
  startInstancesTogether,
  unended,
  waitAllFinished,
  waitForLogLines,
  type CommittedState,
  type FixtureProcess,
} from "../crash/crash-kit.js";
import { duplicateContext, expectCleanEnd, postgresAvailable, scaleWorld, startWorkers, stopWorkers } from "./scale-kit.js";

const INSTANCES = 200;
const WORKERS = 3;
const KILLS = 5;
// Activities of tens to a hundred-odd ms, at most 10 at once per process: the work outlasts the
// kills, and calls are running at most moments. A killed worker's work waits out its lease
// (4 s) before another takes it; live workers renew every 1.3 s, far within it.
const WORKER_ENV = { CRASH_LEASE_MS: "4000", CRASH_POLL_MS: "100", CRASH_MIN_DELAY_MS: "20", CRASH_MAX_DELAY_MS: "150", CRASH_MAX_ACTIVITIES: "10" };

const isReady = (w: FixtureProcess): boolean => w.alive && w.stdout.split("\n").includes("ready");

/**
 * A ready worker, at random among those running an activity right now, frozen (SIGSTOP) while it
 * still runs one: the SIGKILL that follows cuts that call off, however the machine schedules.
 */
async function frozenVictim(live: readonly FixtureProcess[], logFile: string): Promise<FixtureProcess> {
  for (const deadline = Date.now() + STALL_MS; Date.now() < deadline; ) {
    const log = readActivityLog(logFile);
    const running = live.filter((w) => isReady(w) && unended(log, w.pid).length > 0);
    const candidate = running[randomBetween(0, running.length - 1)];
    if (candidate && (await freezeWhileRunningActivity(candidate, logFile, 1000))) return candidate;
    await sleep(20);
  }
  throw new Error(`no ready worker ran an activity for ${STALL_MS} ms`);
}

describe.skipIf(!postgresAvailable)("worker processes on one PostgreSQL schema, SIGKILLed at random and replaced", () => {
  it("lose nothing and commit every step once; only calls in flight in a killed process run again", { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    const world = await scaleWorld("baton-scale-kill-");
    const instances = await startInstancesTogether(world.parent.client, INSTANCES, "kill");
    const live = await startWorkers(WORKERS, world, WORKER_ENV);
    const all: FixtureProcess[] = [...live];
    const killed = new Set<number>();
    const unfinishedAtKill: number[] = [];
    const atKills: { committed: CommittedState; logLength: number }[] = [];

    // The kills are spread over the run: the i-th waits until about i/(KILLS+1) of the activity
    // log is written (two lines a call), then a random moment more. A replacement starts at each
    // kill; it becomes a candidate victim once it is ready.
    const expectedLines = INSTANCES * CALLS_PER_INSTANCE * 2;
    for (let i = 0; i < KILLS; i++) {
      const threshold = ((i + 1) * expectedLines) / (KILLS + 1);
      await waitForLogLines(world.logFile, threshold, STALL_MS);
      await sleep(randomBetween(0, 300));
      const victim = await frozenVictim(live, world.logFile);
      live.splice(live.indexOf(victim), 1);
      unfinishedAtKill.push(await countUnfinished(world.parent.client));
      expect(await victim.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
      killed.add(victim.pid);
      // The snapshot first, then the log's length: every line after it was written after the snapshot.
      const committed = await readCommitted(world.storeUrl);
      atKills.push({ committed, logLength: readActivityLog(world.logFile).length });
      const replacement = spawnWorker(world.storeUrl, world.logFile, WORKER_ENV);
      all.push(replacement);
      live.push(replacement);
    }
    await Promise.all(live.map((w) => w.ready()));
    // Every kill landed while work was left.
    expect(unfinishedAtKill.every((n) => n > 0), `unfinished instances at each kill: ${unfinishedAtKill}`).toBe(true);

    const statuses = await waitAllFinished(world.parent.client, instances, STALL_MS, 100).catch((error: Error) => {
      throw new Error(`${error.message}; the workers reported:\n${all.map((w) => w.stderr).join("\n")}`);
    });
    await stopWorkers(live);

    const keys = expectAllCompleted(statuses, instances);
    expect(keys).toHaveLength(new Set(keys).size);
    const log = readActivityLog(world.logFile);
    const logProblems = activityLogProblems(log, keys, killed);
    expect(logProblems, duplicateContext(log, all, logProblems.map((p) => p.split(": ")[0]!))).toEqual([]);
    // Every kill cut a running activity off, and each of those calls ran again to complete.
    const interrupted = unended(log).filter((s) => killed.has(s.pid));
    expect(new Set(interrupted.map((s) => s.pid))).toEqual(killed);
    const duplicated = new Set(duplicatedKeys(log));
    expect(interrupted.filter(({ key }) => !duplicated.has(key))).toEqual([]);
    // What was committed when each worker died stayed so, and no call it had completed ran again.
    const final = await readCommitted(world.storeUrl);
    for (const { committed, logLength } of atKills) expect(redoneProblems(committed, final, log.slice(logLength))).toEqual([]);
    await expectCleanEnd(world.storeUrl, all);
    console.log(`random kill: ${KILLS} kills, at log lengths ${atKills.map((k) => k.logLength).join(", ")} of ${log.length}; ${interrupted.length} calls interrupted and run again`);
  });
});
