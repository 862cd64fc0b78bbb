/**
 * A worker frozen with SIGSTOP for longer than its leases is, to the others, dead: another
 * worker takes its work and finishes it. When the frozen one wakes (SIGCONT) with results
 * in hand, its leases are stale: every result it tries to commit is refused, and the
 * finished instances stay exactly as they were. On each store: a SQLite file, and a
 * PostgreSQL schema on the real server (there the freeze waits for a moment when none of the
 * worker's backends is inside a transaction, which would hold row locks while it sleeps).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { crashFunctions } from "./fixtures/functions.js";
import { CRASH_STORES } from "./kit/stores.js";
import {
  activityLogProblems,
  CRASH_TEST_TIMEOUT_MS,
  expectAllCompleted,
  freezeOutsideTransaction,
  leftoverWork,
  quietLogger,
  readActivityLog,
  readCommitted,
  spawnWorker,
  startInstances,
  storeErrors,
  storeProblems,
  unended,
  waitAllFinished,
  type LogEntry,
} from "./crash-kit.js";

const INSTANCES = 10;
const WORKER_ENV = { CRASH_LEASE_MS: "1000", CRASH_POLL_MS: "50", CRASH_MIN_DELAY_MS: "100", CRASH_MAX_DELAY_MS: "200" };
// The successor is never frozen: a long lease, which a busy machine cannot let lapse (a live
// worker whose lease lapsed could run a call twice, which the checks rightly refuse).
const SUCCESSOR_ENV = { ...WORKER_ENV, CRASH_LEASE_MS: "30000" };
// A result of a claimed task is refused by its lease; one run inline, with the episode that scheduled it.
const DISCARDED = /lease lost, result discarded|result discarded, the episode that scheduled it did not commit/;

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

for (const store of CRASH_STORES) describe.skipIf(store.skip)(`a worker frozen past its leases (${store.name})`, { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it("cannot commit anything when it wakes; the worker that took over keeps the only results", async () => {
    const { storeUrl, logFile } = store.world(tempDir("baton-zombie-"));
    parent = await createBaton({ store: storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
    const instances = await startInstances(parent.client, INSTANCES);

    const frozen = spawnWorker(storeUrl, logFile, WORKER_ENV);
    await frozen.ready();
    await freezeOutsideTransaction(frozen, storeUrl, { runningActivityIn: logFile });
    const atFreeze = await readCommitted(storeUrl);
    expect(unended(readActivityLog(logFile), frozen.pid).length).toBeGreaterThan(0);

    const successor = spawnWorker(storeUrl, logFile, SUCCESSOR_ENV);
    await successor.ready();
    const finished = await waitAllFinished(parent.client, instances);
    const keys = expectAllCompleted(finished, instances);

    frozen.signal("SIGCONT");
    // It goes on with what it held when it froze (it may even start calls it had claimed but
    // not begun), and every result it submits is refused: those calls were re-leased and
    // completed since. Its runs whose result it committed before freezing were not stale.
    const staleRuns = (): LogEntry[] =>
      readActivityLog(logFile).filter((e) => e.kind === "start" && e.pid === frozen.pid && !atFreeze.completedKeys.has(e.key));
    const refused = (): number => frozen.stderr.split("\n").filter((l) => DISCARDED.test(l)).length;
    await waitUntil(
      () => (refused() >= staleRuns().length ? true : undefined),
      "the woken worker to submit its stale results",
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${refused()} refused of ${staleRuns().length} stale runs ${JSON.stringify(staleRuns())}; stderr:\n${frozen.stderr}`);
    });
    const exits = await Promise.all([frozen.kill("SIGTERM"), successor.kill("SIGTERM")]);
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(refused()).toBe(staleRuns().length);

    const after = await Promise.all(instances.map(({ instanceId }) => parent!.client.getStatus(instanceId, { showHistory: true })));
    expect(after.map((s) => [s?.runtimeStatus, s?.output, s?.history?.length])).toEqual(
      finished.map((s) => [s.runtimeStatus, s.output, s.history?.length]),
    );
    const log = readActivityLog(logFile);
    // The calls it was running when frozen did finish, late, in the woken worker.
    expect(unended(log, frozen.pid)).toEqual([]);
    expect(activityLogProblems(log, keys, new Set([frozen.pid]))).toEqual([]);
    expect(await storeProblems(storeUrl)).toEqual([]);
    expect(await leftoverWork(storeUrl)).toEqual({ tasks: 0, messages: 0 });
    // Refused commits are warnings, not errors.
    expect(storeErrors([frozen, successor])).toEqual([]);
  });
});
