/**
 * One chaos campaign on one store. Its phases:
 *   1. set-up: a fresh store, the worker processes, the busy loops (--load);
 *   2. faults: for --minutes, the driver starts the planned instances (over the first 80% of
 *      the phase) and plays their client calls, while every enabled fault loop runs;
 *   3. quiet: no fault is injected any more (frozen workers are thawed, the disk has its
 *      space back, the load stops, the pool is topped up) and the work drains: the campaign
 *      waits until no instance is Pending, Running or Suspended, for as long as the count keeps
 *      falling (a minute without progress ends the wait; so does a hard limit);
 *   4. stop: the workers get SIGTERM, after the store has had time to drop what it must;
 *   5. checks: instances and histories, the side log, what is left in the store.
 */
import { setMaxListeners } from "node:events";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BatonClient, HistoryEntry } from "../../src/index.js";
import { createBaton } from "../../src/index.js";
import { readActivityLog } from "../crash/kit/activity-log.js";
import type { Exit, FixtureProcess } from "../crash/kit/child-processes.js";
import { restartableCluster } from "../crash/kit/postgres-cluster.js";
import { Driver, type DriverStats } from "./driver.js";
import { diskFullLoop, killLoop, RECOVERY_MS, restartLoop, SPACE_GIVEN_BACK, stopLoop, terminateLoop, type FaultContext, type FaultKind } from "./faults.js";
import { chaosFunctions } from "./functions.js";
import { checkInstances, type InstanceFindings, type Violation } from "./instance-checks.js";
import { leftoverCount, readLeftovers, type Leftovers } from "./leftovers.js";
import { BusyLoad } from "./load.js";
import { Random } from "./random.js";
import { checkSideLog, type SideLogFindings } from "./side-log-checks.js";
import { postgresStore, sqliteStore, type CampaignStore, type StoreKind } from "./stores.js";
import { emptyTimeline, type Timeline } from "./timeline.js";
import { WorkerPool } from "./workers.js";
import { planWorkload } from "./workload.js";

export interface CampaignSettings {
  store: StoreKind;
  postgresUrl: string;
  /** Whether the restart fault may restart the cluster serving postgresUrl. */
  mayRestartServer: boolean;
  faultMs: number;
  workers: number;
  instances: number;
  seed: number;
  faults: ReadonlySet<FaultKind>;
  load: number;
  leaseMs: number;
  maxActivities: number;
  /** Hard limit of the drain, and how long it may go without progress. */
  drainLimitMs: number;
  drainStallMs: number;
}

export interface CampaignResult {
  settings: CampaignSettings;
  storeUrl: string;
  timeline: Timeline;
  driver: DriverStats;
  workers: FixtureProcess[];
  /** Replacement workers whose start failed (tried again each second), by error. */
  startFailures: Map<string, number>;
  exits: { pid: number; exit: Exit | "hung" }[];
  instances: InstanceFindings;
  sideLog: SideLogFindings;
  leftovers: Leftovers;
  durations: { setupMs: number; faultsMs: number; drainMs: number; checksMs: number };
  /** Instances still live when the drain ended (0 when it drained). */
  undrained: number;
  violations: Violation[];
  keptAt?: string;
}

const LIVE = ["Pending", "Running", "Suspended"] as const;

export async function runCampaign(settings: CampaignSettings): Promise<CampaignResult> {
  const t0 = Date.now();
  const random = new Random(settings.seed);
  const timeline = emptyTimeline();
  const store = settings.store === "sqlite" ? sqliteStore(settings.faults.has("diskfull")) : await postgresStore(settings.postgresUrl);
  noteSkippedFaults(settings, store, timeline);
  const cluster = settings.store === "postgres" && settings.faults.has("restart") && settings.mayRestartServer ? restartableCluster(settings.postgresUrl) : undefined;
  if (cluster && !cluster.ok) timeline.skipped.push(`restart: ${cluster.reason}`);
  const parent = await createBaton({ store: store.storeUrl, functions: chaosFunctions().functions, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const pool = new WorkerPool({ storeUrl: store.storeUrl, logFile: store.logFile, leaseMs: settings.leaseMs, maxActivities: settings.maxActivities });
  const load = new BusyLoad();
  let disposed = false;
  try {
    await pool.start(settings.workers);
    load.start(settings.load);
    const setupMs = Date.now() - t0;

    // ---- faults ----
    const quiet = new AbortController();
    // Every fault loop and every waiting termination listens for it.
    setMaxListeners(0, quiet.signal);
    // Started over most of the phase, so that every fault finds work in flight.
    const planned = planWorkload(settings.instances, settings.faultMs * 0.8, random.fork("workload"));
    const drainDeadline = { at: Number.POSITIVE_INFINITY };
    const driver = new Driver(parent.client, planned, random.fork("driver"), quiet.signal, settings.faults.has("clients"), () => drainDeadline.at);
    const ctx: FaultContext = {
      storeUrl: store.storeUrl,
      leaseMs: settings.leaseMs,
      pool,
      timeline,
      quiet: quiet.signal,
      ...(cluster?.ok ? { cluster } : {}),
      ...(store.diskDir ? { diskDir: store.diskDir } : {}),
      liveInstances: () => countLive(parent.client),
    };
    const faultsFrom = Date.now();
    timeline.faultsFromMs = faultsFrom;
    const starting = driver.startAll(faultsFrom);
    const loops = [driver.race(), ...faultLoops(settings, ctx, random)];
    await new Promise((resolve) => setTimeout(resolve, settings.faultMs));
    quiet.abort();
    timeline.quietFromMs = Date.now();
    await Promise.all(loops);
    const faultsMs = Date.now() - faultsFrom;

    // ---- quiet: drain ----
    const drainFrom = Date.now();
    await load.stop();
    pool.thawAll();
    await pool.ensure(settings.workers);
    drainDeadline.at = drainFrom + settings.drainLimitMs;
    await starting;
    await driver.settled();
    const undrained = await drain(parent.client, drainFrom + settings.drainLimitMs, settings.drainStallMs);
    // A finished instance's queued work is dropped by its last commit; what a dead worker held
    // is left to its lease: give that time to run out before looking.
    await waitForEmptyQueues(store.storeUrl, settings.leaseMs * 3 + 5000);
    const drainMs = Date.now() - drainFrom;

    // ---- stop and check ----
    const exits = (await pool.stopAll()).map(({ worker, exit }) => ({ pid: worker.pid, exit }));
    const checksFrom = Date.now();
    const instances = await checkInstances(parent.client, planned, driver.acknowledged);
    const completed = new Set(instances.checked.filter((c) => c.status?.runtimeStatus === "Completed").map((c) => c.instanceId));
    const sideLog = checkSideLog(readActivityLog(store.logFile), instances.histories, completed, timeline, pool.all);
    const leftovers = await readLeftovers(store.storeUrl);
    const violations = [
      ...driverViolations(driver.stats, undrained),
      ...instances.violations,
      ...sideLog.violations,
      ...diskRecoveryViolations(timeline, instances.histories),
      ...leftoverViolations(leftovers),
      ...exits.filter((e) => e.exit === "hung" || e.exit.code !== 0).map((e) => ({ invariant: "workers stop gracefully", detail: `worker ${e.pid} exited ${JSON.stringify(e.exit)}` })),
      ...diedOnTheirOwn(pool.all.filter((w) => pool.wasReady(w.pid)), timeline, new Set(exits.map((e) => e.pid))),
    ];
    const result: CampaignResult = {
      settings,
      storeUrl: store.storeUrl,
      timeline,
      driver: driver.stats,
      workers: pool.all,
      startFailures: pool.startFailures,
      exits,
      instances,
      sideLog,
      leftovers,
      durations: { setupMs, faultsMs, drainMs, checksMs: Date.now() - checksFrom },
      undrained,
      violations,
    };
    await parent.stop();
    disposed = true;
    // A failed campaign keeps its store for inspection, with what the workers said and the faults' timeline.
    if (violations.length > 0) saveEvidence(store.logFile, pool.all, timeline);
    const keptAt = await store.dispose(violations.length > 0);
    return keptAt ? { ...result, keptAt } : result;
  } finally {
    await load.stop();
    await Promise.all(pool.live().map((w) => w.kill("SIGKILL")));
    if (!disposed) {
      await parent.stop().catch(() => undefined);
      const keptAt = await store.dispose(true).catch((error: Error) => `nowhere: ${error.message}`);
      process.stderr.write(`chaos: the campaign stopped early; its store is kept: ${keptAt}\n`);
    }
  }
}

/**
 * After each disk-full episode that found work waiting, a worker must commit again (an episode
 * that begins after the little space came back and is in a history) within RECOVERY_MS.
 */
function diskRecoveryViolations(timeline: Timeline, histories: ReadonlyMap<string, HistoryEntry[]>): Violation[] {
  const episodeStarts = [...histories.values()].flatMap((h) => h.filter((e) => e.type === "EpisodeStarted").map((e) => e.timestamp.getTime()));
  return timeline.diskFull
    .filter((episode) => episode.liveAtPartial > 0 && Number.isFinite(episode.partialMs))
    .flatMap((episode) => {
      const firstAfter = Math.min(...episodeStarts.filter((at) => at >= episode.partialMs));
      if (firstAfter - episode.partialMs <= RECOVERY_MS) return [];
      const when = Number.isFinite(firstAfter) ? `${((firstAfter - episode.partialMs) / 1000).toFixed(1)} s after` : "never, after";
      return [{
        invariant: `workers commit again within ${RECOVERY_MS / 1000} s once disk space returns`,
        detail: `disk full at ${new Date(episode.fromMs).toISOString()}, ${SPACE_GIVEN_BACK / 2 ** 20} MiB back at ${new Date(episode.partialMs).toISOString()} with ${episode.liveAtPartial} instances waiting; the first episode committed since began ${when}`,
      }];
    });
}

/** Workers that exited although nobody killed or stopped them: a crash. */
function diedOnTheirOwn(workers: readonly FixtureProcess[], timeline: Timeline, stopped: ReadonlySet<number>): Violation[] {
  return workers
    .filter((w) => !w.alive && !timeline.kills.has(w.pid) && !stopped.has(w.pid))
    .map((w) => ({ invariant: "workers keep running through faults", detail: `worker ${w.pid} exited on its own: ${w.stderr.trim().split("\n").slice(-3).join(" | ")}` }));
}

/** Beside the side log: each worker's stderr, and the timeline of faults as JSON. */
function saveEvidence(logFile: string, workers: readonly FixtureProcess[], timeline: Timeline): void {
  const dir = dirname(logFile);
  for (const worker of workers) writeFileSync(join(dir, `worker-${worker.pid}.stderr`), worker.stderr);
  const json = JSON.stringify(timeline, (_, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value), 2);
  writeFileSync(join(dir, "timeline.json"), json);
}

function faultLoops(settings: CampaignSettings, ctx: FaultContext, random: Random): Promise<void>[] {
  const has = (kind: FaultKind): boolean => settings.faults.has(kind);
  const loops: Promise<void>[] = [];
  if (has("kill")) loops.push(killLoop(ctx, random.fork("kill")));
  if (has("stop")) loops.push(stopLoop(ctx, random.fork("stop")));
  if (has("terminate") && settings.store === "postgres") loops.push(terminateLoop(ctx, random.fork("terminate")));
  // The rare faults come at least once in a short run: the first within its first half.
  if (has("restart") && ctx.cluster) loops.push(restartLoop(ctx, random.fork("restart"), random.fork("restart-first").between(0.2, 0.5) * settings.faultMs));
  if (has("diskfull") && ctx.diskDir) loops.push(diskFullLoop(ctx, random.fork("diskfull"), random.fork("diskfull-first").between(0.2, 0.4) * settings.faultMs));
  return loops;
}

function noteSkippedFaults(settings: CampaignSettings, store: CampaignStore, timeline: Timeline): void {
  const has = (kind: FaultKind): boolean => settings.faults.has(kind);
  if (store.kind === "sqlite" && has("terminate")) timeline.skipped.push("terminate: PostgreSQL only");
  if (store.kind === "sqlite" && has("restart")) timeline.skipped.push("restart: PostgreSQL only");
  if (store.kind === "postgres" && has("diskfull")) timeline.skipped.push("diskfull: SQLite only");
  if (store.diskSkipped) timeline.skipped.push(`diskfull: ${store.diskSkipped}`);
  if (store.kind === "postgres" && has("restart") && !settings.mayRestartServer) {
    timeline.skipped.push(
      `restart: ${settings.postgresUrl} is the shared test server; restart it only with --restart-server (or CI=true), or give --postgres-url of a cluster of your own`,
    );
  }
}

/** Waits until no instance is live, while the count keeps falling; returns how many are left. */
async function drain(client: BatonClient, limitAt: number, stallMs: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  let progressAt = Date.now();
  for (;;) {
    const live = await countLive(client).catch(() => best);
    if (live === 0) return 0;
    if (live < best) {
      best = live;
      progressAt = Date.now();
    }
    if (Date.now() > limitAt || Date.now() - progressAt > stallMs) return live;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function countLive(client: BatonClient): Promise<number> {
  let count = 0;
  let continuationToken: string | undefined;
  do {
    const page = await client.list({ runtimeStatus: [...LIVE], pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
    count += page.instances.length;
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return count;
}

async function waitForEmptyQueues(storeUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leftovers = await readLeftovers(storeUrl).catch(() => undefined);
    if (leftovers && leftoverCount(leftovers) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function driverViolations(stats: DriverStats, undrained: number): Violation[] {
  const violations: Violation[] = stats.undelivered.map((detail) => ({ invariant: "the store accepts client calls again once faults stop", detail }));
  for (const detail of stats.wrongEarly) violations.push({ invariant: "every instance reaches its expected output", detail: `seen during the run: ${detail}` });
  if (undrained > 0) violations.push({ invariant: "the work drains once faults stop", detail: `${undrained} instances still Pending, Running or Suspended when the drain gave up` });
  return violations;
}

function leftoverViolations(leftovers: Leftovers): Violation[] {
  const violations: Violation[] = [];
  const few = (lines: string[]): string => `${lines.slice(0, 8).join("; ")}${lines.length > 8 ? `; … ${lines.length - 8} more` : ""}`;
  if (leftovers.tasks.length) violations.push({ invariant: "nothing left queued: no activity task", detail: `${leftovers.tasks.length} tasks left: ${few(leftovers.tasks)}` });
  if (leftovers.messages.length) violations.push({ invariant: "nothing left queued: inbox empty", detail: `${leftovers.messages.length} messages left: ${few(leftovers.messages)}` });
  const { instances, tasks } = leftovers.leases;
  if (instances + tasks > 0) violations.push({ invariant: "nothing left leased", detail: `${instances} instance leases, ${tasks} task leases still held after every worker stopped` });
  for (const problem of leftovers.structure) violations.push({ invariant: "history rows match history_length, gapless", detail: problem });
  return violations;
}
