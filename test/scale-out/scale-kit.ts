/**
 * What the scale-out tests share: several worker processes on one PostgreSQL schema (the real
 * server, a schema of their own per test), the parent that starts instances and watches them,
 * and the checks every run ends with.
 */
import { afterEach, expect } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { crashFunctions } from "../crash/fixtures/functions.js";
import { postgresCrashWorld } from "../crash/kit/stores.js";
import {
  duplicatedKeys,
  heldLeases,
  leftoverWork,
  quietLogger,
  spawnWorker,
  storeErrors,
  storeProblems,
  type CrashWorld,
  type Exit,
  type FixtureProcess,
  type LogEntry,
} from "../crash/crash-kit.js";

export { postgresAvailable } from "../crash/kit/stores.js";

let parent: Baton | undefined;
afterEach(async () => {
  await parent?.stop();
  parent = undefined;
});

export interface ScaleWorld extends CrashWorld {
  /** A baton that is never started: its client starts instances and watches them. */
  parent: Baton;
}

/** A fresh schema on the test server, an activity log, and a parent baton on them. */
export async function scaleWorld(prefix: string): Promise<ScaleWorld> {
  const world = postgresCrashWorld(tempDir(prefix));
  parent = await createBaton({ store: world.storeUrl, functions: crashFunctions({ minDelayMs: 0, maxDelayMs: 0 }).functions, logger: quietLogger });
  return { ...world, parent };
}

/** Starts `count` workers and waits until each is ready. */
export async function startWorkers(count: number, world: CrashWorld, env: Record<string, string>): Promise<FixtureProcess[]> {
  const workers = Array.from({ length: count }, () => spawnWorker(world.storeUrl, world.logFile, env));
  await Promise.all(workers.map((w) => w.ready()));
  return workers;
}

/** SIGTERM to each worker still running: each must stop gracefully (exit 0). */
export async function stopWorkers(workers: readonly FixtureProcess[]): Promise<void> {
  const running = workers.filter((w) => w.alive);
  const exits: Exit[] = await Promise.all(running.map((w) => w.kill("SIGTERM")));
  expect(
    exits.map((exit, i) => ({ pid: running[i]!.pid, ...exit })),
    `exits; stderr:\n${running.map((w) => `${w.pid}: ${w.stderr}`).join("\n")}`,
  ).toEqual(running.map((w) => ({ pid: w.pid, code: 0, signal: null })));
}

/**
 * Once every instance completed and the workers stopped: the store is consistent, holds no work
 * and no lease (each episode's commit released its instance), and no worker reported store
 * trouble.
 */
export async function expectCleanEnd(storeUrl: string, workers: readonly FixtureProcess[]): Promise<void> {
  expect(await storeProblems(storeUrl)).toEqual([]);
  expect(await leftoverWork(storeUrl)).toEqual({ tasks: 0, messages: 0 });
  expect(await heldLeases(storeUrl)).toEqual({ instances: 0, tasks: 0 });
  expect(storeErrors(workers)).toEqual([]);
}

/** Lines where a worker found it had lost a lease (its commit or result was refused). */
export function leaseLostLines(workers: readonly FixtureProcess[]): string[] {
  return workers.flatMap((w) =>
    w.stderr
      .split("\n")
      .filter((line) => /lease lost|result discarded/.test(line))
      .map((line) => `worker ${w.pid}: ${line}`),
  );
}

/**
 * For a failure message: the log lines of the calls run more than once (or of `keys`), and
 * what the workers said about their instances (and every error line).
 */
export function duplicateContext(log: readonly LogEntry[], workers: readonly FixtureProcess[], keys: readonly string[] = duplicatedKeys(log)): string {
  const instances = new Set(keys.map((key) => key.split(":")[0]!));
  const lines = log.filter((e) => keys.includes(e.key)).map((e) => `  line ${e.line}: ${e.kind} ${e.key} ${e.attempt ?? ""} pid ${e.pid}`);
  const said = workers.flatMap((w) =>
    w.stderr
      .split("\n")
      .filter((line) => [...instances].some((id) => `${line} `.includes(` instanceId=${id} `)) || /^error:/.test(line))
      .map((line) => `  worker ${w.pid}: ${line}`),
  );
  return `calls run more than once:\n${lines.join("\n")}\nthe workers said:\n${said.join("\n")}`;
}

/** How many activity starts each worker logged, by pid. */
export function startsByPid(log: readonly { kind: string; pid: number }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const entry of log) if (entry.kind === "start") counts.set(entry.pid, (counts.get(entry.pid) ?? 0) + 1);
  return counts;
}
