/**
 * The fault loops of a chaos run. Each runs from the start of the run until the quiet period,
 * on a generator of its own (forked from the run's seed), and records what it did in the
 * timeline:
 * - kill:      SIGKILL a worker (then start a new one), every 3–9 s;
 * - stop:      SIGSTOP a worker (outside any transaction) for 2–3.5 leases, then SIGCONT, every 5–12 s;
 * - terminate: PostgreSQL: storms of pg_terminate_backend on the workers' connections only
 *              (chosen by application_name: other processes share the server), every 100–300 ms
 *              for 2–6 s, every 2–6 s after the last (so about half the time; issue 13 found
 *              duplicated executions under terminations every 0.1 s);
 * - restart:   PostgreSQL: restart the local cluster serving the store, every 25–45 s;
 * - diskfull:  SQLite: fill the small disk under the store, hold it 3–8 s, give 2 MiB back for
 *              RECOVERY_MS (the workers must commit again within it), then free it all; every
 *              20–40 s.
 * Client calls racing all of this are the driver's (driver.ts).
 */
import { freezeOutsideTransaction } from "../crash/kit/child-processes.js";
import { restartCluster, type LocalCluster } from "../crash/kit/postgres-cluster.js";
import { terminateBackends } from "../crash/kit/store-postgres.js";
import { fillDisk, freeDisk, freeSomeDisk } from "./disk-full.js";
import type { Random } from "./random.js";
import type { Timeline } from "./timeline.js";
import type { WorkerPool } from "./workers.js";

export const FAULT_KINDS = ["kill", "stop", "terminate", "restart", "diskfull", "clients"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What the disk-full fault gives back first, and how soon the workers must commit again. */
export const SPACE_GIVEN_BACK = 2 * 2 ** 20;
export const RECOVERY_MS = 15_000;

export interface FaultContext {
  storeUrl: string;
  leaseMs: number;
  pool: WorkerPool;
  timeline: Timeline;
  /** Aborted when the quiet period begins. */
  quiet: AbortSignal;
  /** PostgreSQL: the cluster the restart fault may restart. */
  cluster?: LocalCluster;
  /** SQLite on a small disk: the directory the ballast goes to. */
  diskDir?: string;
  /** How many instances are Pending, Running or Suspended now. */
  liveInstances: () => Promise<number>;
}

/** Waits `ms`, or less if the quiet period begins; resolves false then. */
export function pause(ms: number, quiet: AbortSignal): Promise<boolean> {
  if (quiet.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      quiet.removeEventListener("abort", done);
      resolve(!quiet.aborted);
    };
    const timer = setTimeout(done, ms);
    quiet.addEventListener("abort", done);
  });
}

/** Runs `act` at intervals drawn from [minMs, maxMs] (the first after `firstMs`) until the quiet period. */
async function every(ctx: FaultContext, random: Random, [minMs, maxMs]: [number, number], act: () => Promise<void>, firstMs?: number): Promise<void> {
  let wait = firstMs ?? random.between(minMs, maxMs);
  while (await pause(wait, ctx.quiet)) {
    try {
      await act();
    } catch (error) {
      process.stderr.write(`chaos: a fault failed to run: ${(error as Error).message}\n`);
    }
    wait = random.between(minMs, maxMs);
  }
}

export function killLoop(ctx: FaultContext, random: Random): Promise<void> {
  return every(ctx, random, [3000, 9000], async () => {
    const live = ctx.pool.live();
    if (live.length === 0) return;
    const worker = random.pick(live);
    const at = Date.now();
    await worker.kill("SIGKILL");
    ctx.timeline.kills.set(worker.pid, at);
    // A freeze may have begun while the kill was on its way: it ends when the process is gone.
    if (ctx.pool.frozen.delete(worker.pid)) endFreeze(ctx.timeline, worker.pid, Date.now());
    ctx.pool.replace();
  });
}

export function stopLoop(ctx: FaultContext, random: Random): Promise<void> {
  return every(ctx, random, [5000, 12_000], async () => {
    const running = ctx.pool.running();
    if (running.length === 0) return;
    const worker = random.pick(running);
    const holdMs = random.between(2, 3.5) * ctx.leaseMs;
    try {
      await freezeOutsideTransaction(worker, ctx.storeUrl, { timeoutMs: 2_000 });
    } catch (error) {
      const message = (error as Error).message;
      if (!worker.alive) return;
      if (/has no PostgreSQL backend/.test(message)) {
        // Stopped with no connection at all (a storm had just cut them): outside any transaction.
        worker.signal("SIGSTOP");
      } else {
        worker.signal("SIGCONT");
        const reason = message.replace(/\d+/g, "N").split(";")[0]!;
        ctx.timeline.freezesSkipped.set(reason, (ctx.timeline.freezesSkipped.get(reason) ?? 0) + 1);
        return;
      }
    }
    const fromMs = Date.now();
    ctx.pool.frozen.add(worker.pid);
    ctx.timeline.freezes.set(worker.pid, [...(ctx.timeline.freezes.get(worker.pid) ?? []), { fromMs, toMs: Number.POSITIVE_INFINITY }]);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    if (ctx.pool.frozen.delete(worker.pid) && worker.alive) worker.signal("SIGCONT");
    endFreeze(ctx.timeline, worker.pid, Date.now());
  });
}

function endFreeze(timeline: Timeline, pid: number, atMs: number): void {
  const open = (timeline.freezes.get(pid) ?? []).find((w) => w.toMs === Number.POSITIVE_INFINITY);
  if (open) open.toMs = atMs;
}

export function terminateLoop(ctx: FaultContext, random: Random): Promise<void> {
  return every(ctx, random, [2000, 6000], async () => {
    const fromMs = Date.now();
    const stormMs = random.between(2000, 6000);
    while (Date.now() - fromMs < stormMs && !ctx.quiet.aborted) {
      const live = ctx.pool.live();
      const targets = random.chance(0.7) ? live : live.filter(() => random.chance(0.5));
      const byApp = new Map(targets.map((w) => [w.appName, w.pid]));
      const at = Date.now();
      const terminated = await terminateBackends(ctx.storeUrl, [...byApp.keys()]).catch(() => []);
      for (const backend of terminated) {
        const pid = byApp.get(backend.appName)!;
        ctx.timeline.terminations.set(pid, [...(ctx.timeline.terminations.get(pid) ?? []), at]);
      }
      await new Promise((resolve) => setTimeout(resolve, random.between(100, 300)));
    }
    ctx.timeline.storms.push({ fromMs, toMs: Date.now() });
  });
}

export function restartLoop(ctx: FaultContext, random: Random, firstMs: number): Promise<void> {
  const cluster = ctx.cluster;
  if (!cluster) return Promise.resolve();
  return every(
    ctx,
    random,
    [25_000, 45_000],
    async () => {
      const fromMs = Date.now();
      await restartCluster(cluster);
      ctx.timeline.restarts.push({ fromMs, toMs: Date.now() });
    },
    firstMs,
  );
}

export function diskFullLoop(ctx: FaultContext, random: Random, firstMs: number): Promise<void> {
  const dir = ctx.diskDir;
  if (!dir) return Promise.resolve();
  return every(
    ctx,
    random,
    [20_000, 40_000],
    async () => {
      const fromMs = Date.now();
      const ballastBytes = fillDisk(dir);
      let partialMs = Number.POSITIVE_INFINITY;
      let liveAtPartial = 0;
      try {
        await new Promise((resolve) => setTimeout(resolve, random.between(3000, 8000)));
        freeSomeDisk(dir, SPACE_GIVEN_BACK);
        partialMs = Date.now();
        liveAtPartial = await ctx.liveInstances().catch(() => 0);
        await new Promise((resolve) => setTimeout(resolve, RECOVERY_MS + 1000));
      } finally {
        freeDisk(dir);
        ctx.timeline.diskFull.push({ fromMs, partialMs, toMs: Date.now(), ballastBytes, liveAtPartial });
      }
    },
    firstMs,
  );
}
