/**
 * The worker: claims orchestration episodes and activity tasks from the store, runs them
 * under limits, keeps their leases alive, and stops gracefully.
 *
 * States: idle -> running (start) -> draining (stop: no new claims) -> stopped.
 * Wake-ups: in-process commits wake the loop directly; the earliest future `visibleAt`
 * (timers, retry backoff) is scheduled precisely; a poll with a deadline is the fallback
 * for work written by other processes.
 * Store faults (store-faults.ts): while the disk is full, claims, commits and heartbeats are
 * retried after a capped backoff (a wake-up meanwhile waits for it); once the store is found
 * damaged, the worker claims nothing more.
 */
import { toHistoryEntry, type HistoryEntry } from "../client/instance-status.js";
import type { HistoryEvent } from "../engine/history-event.js";
import { commandsCarriedOut } from "../engine/command.js";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "../definitions/logger.js";
import { ActivityCancelledError, ClosedError, StoreFullError } from "../errors.js";
import type { Registry } from "../definitions/registry.js";
import type {
  ActivityWorkItem,
  ClaimedWork,
  CommitOp,
  CommitOutcome,
  OrchestrationWorkItem,
  WorkClaim,
  WorkQueue,
} from "../store/store.js";
import { Committer } from "./committer.js";
import type { CompletionNotifier } from "./completion-notifier.js";
import { runActivity, type ActivityRunnerDeps } from "./activity-runner.js";
import { AttemptAbort } from "./attempt-abort.js";
import { runEpisode } from "./episode-runner.js";
import { InlineAttempt, type InlineActivityHost } from "./inline-activities.js";
import { RunCache } from "./run-cache.js";
import { clampedDelay, setLongTimeout, type LongTimeout } from "./long-timeout.js";
import { isStoreFault, StoreFaults } from "./store-faults.js";

/**
 * A task leased to a worker that then died or lost it, of an instance that has ended meanwhile,
 * is never claimed again: workers delete such tasks this often (and when they stop), this many
 * at a time.
 */
const ORPHAN_SWEEP_EVERY_MS = 30_000;
const ORPHAN_SWEEP_LIMIT = 500;

export interface WorkerLimits {
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  leaseMs: number;
  pollIntervalMs: number;
  maxPayloadBytes: number;
  maxCachedRuns: number;
  maxCachedBytes: number;
  maxMessagesPerEpisode: number;
  /** Run hosted activities inline in the episode that schedules them (see inline-activities.ts). */
  inlineActivities: boolean;
}

export interface WorkerDeps {
  store: WorkQueue;
  registry: Registry;
  logger: Logger;
  notifier: CompletionNotifier;
  now: () => number;
  limits: WorkerLimits;
  /** Told the events each committed episode appended (BatonOptions.onHistory). */
  onHistory?: (instanceId: string, events: readonly HistoryEntry[]) => void;
}

export class Worker {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private state: "idle" | "running" | "draining" | "stopped" = "idle";
  private unwatch: (() => void) | undefined;
  private readonly committer: Committer;
  private readonly cache: RunCache;
  private readonly faults: StoreFaults;
  /** Episodes in flight, by lease token (an instance may be claimed again as soon as its episode commits). */
  private readonly orchestrations = new Map<string, OrchestrationWorkItem>();
  /** Activity attempts in flight (claimed or inline), by lease token. */
  private readonly activities = new Map<string, { task: ActivityWorkItem; abort: AttemptAbort; done: Promise<void> }>();
  private readonly episodes = new Set<Promise<void>>();
  private pumping = false;
  /** The latest claim filled its limit: work may be waiting that only a freed slot lets in. */
  private mayHaveMore = true;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private leaseTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private readonly orchestrationNames: string[];
  private readonly activityNames: string[];
  private readonly inlineHost: InlineActivityHost | undefined;
  /** The `concurrency` caps of the activities this worker hosts. */
  private readonly concurrency: Record<string, number> = {};

  constructor(private readonly deps: WorkerDeps) {
    this.cache = new RunCache(deps.limits.maxCachedRuns, deps.limits.maxCachedBytes);
    this.faults = new StoreFaults(deps.logger, deps.now, () => this.stopClaiming());
    this.committer = new Committer(
      deps.store,
      deps.now,
      (ops, now) => (this.claiming() && this.claimsWith(ops) ? this.workClaim(ops, now) : undefined),
      (ops, outcomes, claimed) => {
        this.faults.succeeded("commit");
        this.onCommitted(ops, outcomes, claimed);
      },
      // Only a full disk passes: any other failure rejects the batch (its episodes are redone).
      (error) => {
        if (!isStoreFault(error)) return undefined;
        const delayMs = this.faults.failed("commit", error);
        return error instanceof StoreFullError ? delayMs : undefined;
      },
    );
    const names = deps.registry.names();
    this.orchestrationNames = names.orchestrations;
    this.activityNames = names.activities;
    for (const [name, definition] of deps.registry.activities) {
      if (definition.options.concurrency !== undefined) this.concurrency[name] = definition.options.concurrency;
    }
    this.inlineHost = deps.limits.inlineActivities
      ? { workerId: this.workerId, leaseMs: deps.limits.leaseMs, tryStart: (task) => this.tryStartInline(task) }
      : undefined;
  }

  async start(): Promise<void> {
    if (this.state !== "idle") return;
    this.state = "running";
    this.startedAt = this.deps.now();
    await this.deps.store.announceFunctions(this.workerId, this.deps.registry.names(), this.startedAt);
    await this.deps.store.workerAlive(this.workerId, this.deps.registry.names(), this.deps.limits.leaseMs, this.startedAt);
    // Renewing earlier than needed is harmless; a lease of months must not overflow the timer.
    const renewEveryMs = clampedDelay(Math.max(50, Math.floor(this.deps.limits.leaseMs / 3)));
    this.leaseTimer = setInterval(() => void this.renewLeases(), renewEveryMs);
    this.leaseTimer.unref();
    // Another process queued work (a PostgreSQL NOTIFY): look now rather than at the next poll.
    this.unwatch = this.deps.store.watch?.((hint) => {
      if (hint.type === "work") this.wake();
    });
    this.wake();
  }

  /** Stops claiming; waits for running work until `timeoutMs`, then aborts and releases what is left. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.state === "idle") this.state = "stopped";
    if (this.state !== "running") return;
    this.state = "draining";
    this.unwatch?.();
    clearTimeout(this.wakeTimer);
    const running = Promise.all([...this.episodes, ...[...this.activities.values()].map((a) => a.done)]);
    let timer: LongTimeout | undefined;
    const timedOut = await Promise.race([
      running.then(() => false),
      new Promise<boolean>((resolve) => (timer = setLongTimeout(() => resolve(true), timeoutMs))),
    ]);
    timer?.clear();
    if (timedOut) {
      this.committer.stopRetrying(); // a full disk must not hold the releases below
      for (const { abort } of this.activities.values()) abort.abort(new ClosedError("The worker is stopping."));
      const releases = [...this.activities.values()].map(({ task }) =>
        this.committer.submit({ type: "releaseActivity", task }).catch(() => "leaseLost"),
      );
      await Promise.all(releases);
      // Episodes end on their own unless user code awaits something that is not durable.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.episodes), new Promise((r) => (grace = setTimeout(r, 1000)))]);
      clearTimeout(grace);
      await Promise.all(
        [...this.orchestrations.values()].map((item) =>
          this.committer
            .submit({ type: "releaseInstance", instanceId: item.instanceId, leaseToken: item.leaseToken })
            .catch(() => "leaseLost"),
        ),
      );
    }
    clearInterval(this.leaseTimer);
    this.committer.stopRetrying();
    await this.committer.idle();
    // What this worker's own releases and the workers killed before it left behind.
    if (!this.faults.isDamaged) await this.deleteOrphanedTasks();
    await this.deps.store.workerStopped(this.workerId).catch(() => undefined); // else it ages out after its lease
    this.cache.clear();
    this.state = "stopped";
  }

  /** Work was enqueued in this process: claim it now, or when it becomes visible. */
  notifyEnqueued(visibleAt: number): void {
    if (visibleAt > this.deps.now()) this.scheduleWake(visibleAt);
    else this.wake();
  }

  /** Runs the claim loop now (or again, if it is running). */
  wake(): void {
    if (!this.claiming()) return;
    const retryAt = this.faults.nextTryAt("claim");
    if (retryAt > this.deps.now()) {
      this.scheduleWake(retryAt); // a failed claim's backoff: no claim before it passes
      return;
    }
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.state === "running") {
        this.pumpAgain = false;
        if (await this.claimOnce()) continue; // it filled its limit: look again
        if (this.pumpAgain) continue;
        await this.scheduleNextWake(this.nextVisibleFromClaim);
        // A wake-up that arrived while the next wake was being scheduled must not be lost.
        if (!this.pumpAgain) break;
      }
    } catch (error) {
      if (isStoreFault(error)) {
        this.faults.failed("claim", error);
        this.scheduleWake(this.faults.nextTryAt("claim"));
      } else {
        this.deps.logger.error(`worker: claiming work failed: ${(error as Error).message}; retrying`);
        this.scheduleWake(this.deps.now() + this.deps.limits.pollIntervalMs);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Whether the worker claims work: it runs, and its store was not found damaged. */
  private claiming(): boolean {
    return this.state === "running" && !this.faults.isDamaged;
  }

  /** The store is damaged: claim nothing more, renew nothing (work in flight ends as its writes are refused). */
  private stopClaiming(): void {
    clearTimeout(this.wakeTimer);
    clearInterval(this.leaseTimer);
  }

  /** Claims what free slots allow; true when it claimed as much as it asked for (there may be more). */
  private async claimOnce(): Promise<boolean> {
    const request = this.workClaim();
    const claimed = await this.deps.store.claim(request);
    this.faults.succeeded("claim");
    this.mayHaveMore = filledLimit(request, claimed);
    this.nextVisibleFromClaim = claimed.nextVisibleAt;
    await this.startClaimed(claimed);
    const any = claimed.orchestrations.length + claimed.activities.length > 0;
    return any && this.mayHaveMore && this.state === "running";
  }

  /**
   * What this worker has room for right now, counting as free the slots of work that `ops`
   * (a batch being committed) finish: the claim and the commit land together.
   */
  private workClaim(ops: readonly CommitOp[] = [], now = this.deps.now()): WorkClaim {
    const { limits } = this.deps;
    const { episodes: finishingEpisodes, activities: finishingActivities } = this.slotsFreedBy(ops);
    const common = { workerId: this.workerId, leaseMs: limits.leaseMs, now };
    return {
      orchestrations: {
        ...common,
        names: this.orchestrationNames,
        limit: limits.maxConcurrentOrchestrations - this.orchestrations.size + finishingEpisodes,
        stalledBefore: this.startedAt,
        maxMessages: limits.maxMessagesPerEpisode,
      },
      activities: {
        ...common,
        names: this.activityNames,
        concurrency: this.concurrency,
        limit: limits.maxConcurrentActivities - this.activities.size + finishingActivities,
      },
    };
  }

  /**
   * Whether a batch claims new work in its own transaction. Not a lone episode that ends its
   * instance when the last claim left nothing waiting: it queues nothing, and whatever arrives
   * meanwhile wakes the worker (an enqueue here, a store hint, a timer, the poll). Its commit is
   * then the last step from start to result, and a store may make it one round trip.
   */
  private claimsWith(ops: readonly CommitOp[]): boolean {
    if (this.mayHaveMore || ops.length !== 1) return true;
    const op = ops[0]!;
    return !(op.type === "episode" && (op.result.runtimeStatus === "Completed" || op.result.runtimeStatus === "Failed"));
  }

  /**
   * The slots the work that `ops` commit frees: those of the episodes and attempts this worker
   * runs (not of work handed back unstarted, which never held one).
   */
  private slotsFreedBy(ops: readonly CommitOp[]): { episodes: number; activities: number } {
    let episodes = 0;
    let activities = 0;
    for (const op of ops) {
      if ("task" in op) activities += this.activities.has(op.task.leaseToken) ? 1 : 0;
      else episodes += this.orchestrations.has(op.leaseToken) ? 1 : 0;
    }
    return { episodes, activities };
  }

  /**
   * Starts claimed work within the limits as they stand now, counting as free the slots of
   * work that `freeing` (a batch just committed) ends. Another claim, or an inline attempt, may
   * have taken slots while this claim was in flight: what no longer fits is handed straight
   * back, so the limits hold at every moment.
   */
  private async startClaimed(claimed: ClaimedWork, freeing: readonly CommitOp[] = []): Promise<void> {
    if (this.answeredTooLate(claimed)) return;
    const { limits } = this.deps;
    const freed = this.slotsFreedBy(freeing);
    const running = this.state === "running";
    const orchestrationRoom = running ? limits.maxConcurrentOrchestrations - this.orchestrations.size + freed.episodes : 0;
    const activityRoom = running ? limits.maxConcurrentActivities - this.activities.size + freed.activities : 0;
    const items = claimed.orchestrations.slice(0, Math.max(0, orchestrationRoom));
    const tasks = claimed.activities.slice(0, Math.max(0, activityRoom));
    for (const item of items) this.startEpisode(item);
    for (const task of tasks) this.startActivity(task);
    // stop() began while the claim was in flight, or the work no longer fits.
    await Promise.all([
      ...claimed.orchestrations
        .slice(items.length)
        .map((item) => this.committer.submit({ type: "releaseInstance", instanceId: item.instanceId, leaseToken: item.leaseToken })),
      ...claimed.activities.slice(tasks.length).map((task) => this.committer.submit({ type: "releaseActivity", task })),
    ]);
  }

  /**
   * Whether the claim's answer came after its leases ran out (its commit was slow, or this
   * process was frozen meanwhile): another worker may already run that work, so none of it is
   * started. Their leases are gone already, nothing to release: the work is claimable again.
   */
  private answeredTooLate(claimed: ClaimedWork): boolean {
    const now = this.deps.now();
    if (claimed.leasesExpireAt === undefined || claimed.leasesExpireAt > now) return false;
    const count = claimed.orchestrations.length + claimed.activities.length;
    if (count === 0) return false;
    this.deps.logger.warn(
      `worker: a claim was answered ${now - claimed.leasesExpireAt} ms after its leases ran out: ` +
        `its ${claimed.orchestrations.length} episodes and ${claimed.activities.length} activity attempts are left to be claimed again`,
    );
    this.wake();
    return true;
  }

  private startEpisode(item: OrchestrationWorkItem): void {
    this.orchestrations.set(item.leaseToken, item);
    const { store, registry, logger, limits, now } = this.deps;
    const done = runEpisode(item, {
      store,
      registry,
      committer: this.committer,
      cache: this.cache,
      logger,
      maxPayloadBytes: limits.maxPayloadBytes,
      now,
      inline: this.inlineHost,
    }).finally(() => {
      this.orchestrations.delete(item.leaseToken);
      this.episodes.delete(done);
      // Its commit claimed, in the same transaction, the work its slot made room for.
      if (this.mayHaveMore) this.wake();
    });
    this.episodes.add(done);
  }

  private activityDeps(): ActivityRunnerDeps {
    const { registry, logger, limits, now } = this.deps;
    return { registry, committer: this.committer, logger, maxPayloadBytes: limits.maxPayloadBytes, now };
  }

  private startActivity(task: ActivityWorkItem): void {
    const abort = new AttemptAbort();
    const done = runActivity(task, abort, this.activityDeps())
      .catch((error: unknown) => {
        if (!isStoreFault(error)) this.deps.logger.error(`[${task.instanceId}] ${task.name}: ${(error as Error).message}`);
      })
      .finally(() => {
        this.activities.delete(task.leaseToken);
        if (this.mayHaveMore) this.wake();
      });
    this.activities.set(task.leaseToken, { task, abort, done });
  }

  /** An episode's offer to run an activity inline: taken when it is hosted here and a slot is free. */
  private tryStartInline(task: ActivityWorkItem): InlineAttempt | undefined {
    const { registry, limits } = this.deps;
    if (this.state !== "running" || !registry.activities.has(task.name)) return undefined;
    // A global cap is enforced by the store when claiming: such activities go through the queue.
    if (this.concurrency[task.name] !== undefined) return undefined;
    if (this.activities.size >= limits.maxConcurrentActivities) return undefined;
    // The slot frees when the result is consumed (the episode's commit then claims more work)
    // or, for an attempt handed off, once its outcome is committed.
    const attempt = new InlineAttempt(task, this.activityDeps(), () => this.activities.delete(task.leaseToken));
    this.activities.set(task.leaseToken, { task, abort: attempt.abort, done: attempt.done });
    return attempt;
  }

  private onCommitted(
    ops: readonly CommitOp[],
    outcomes: readonly CommitOutcome[],
    claimed: { request: WorkClaim; work: ClaimedWork } | undefined,
  ): void {
    if (claimed) {
      this.mayHaveMore = filledLimit(claimed.request, claimed.work);
      void this.startClaimed(claimed.work, ops).catch((error: unknown) => this.deps.logger.error(`worker: ${(error as Error).message}`));
    }
    // Work visible by the claim's time was claimed with it; anything due later (even if due by
    // now) gets a wake-up at its time: a fresh clock here would let it fall between the two.
    const claimedUpTo = claimed ? claimed.request.orchestrations.now : -Infinity;
    let moreWork = false;
    ops.forEach((op, i) => {
      if (outcomes[i] !== "ok") return;
      if (op.type === "episode") {
        this.reportHistory(op.instanceId, op.result.newEvents);
        const status = op.result.runtimeStatus;
        if (status !== "Running") this.cancelActivitiesOf(op.instanceId);
        // Only the end of an instance: a new generation is not what waiters wait for.
        if (status === "Completed" || status === "Failed" || status === "Terminated") this.deps.notifier.notify(op.instanceId);
        if (status === "ContinuedAsNew") moreWork = true; // the next generation's start
        for (const command of commandsCarriedOut(op.result)) {
          if (command.type === "CancelTimer") continue;
          const visibleAt =
            command.type === "CreateTimer" ? command.fireAt : command.type === "ScheduleTask" ? (command.visibleAt ?? 0) : 0;
          if (visibleAt > claimedUpTo) this.scheduleWake(visibleAt);
          else moreWork = true;
        }
      } else if (op.type === "activityCompleted" || op.type === "activityFailed") {
        moreWork = true;
      } else if (op.type === "activityRetry") {
        this.scheduleWake(op.visibleAt);
      }
    });
    // Work these ops made visible was claimed in the same transaction, up to the free slots;
    // what did not fit is claimed when a slot frees. Without that claim, look now.
    if (moreWork && !claimed) this.wake();
  }

  private reportHistory(instanceId: string, events: readonly HistoryEvent[]): void {
    if (!this.deps.onHistory || events.length === 0) return;
    try {
      this.deps.onHistory(instanceId, events.map(toHistoryEntry));
    } catch (error) {
      this.deps.logger.error(`worker: onHistory threw: ${(error as Error).message}`);
    }
  }

  /** The instance ended: its activities running here get their signal fired (their results will be dropped). */
  private cancelActivitiesOf(instanceId: string): void {
    for (const { task, abort } of this.activities.values()) {
      if (task.instanceId === instanceId) abort.abort(new ActivityCancelledError(instanceId, task.name));
    }
  }

  /** What the latest claim read of `nextVisibleAt`, if its store reads it on the way. */
  private nextVisibleFromClaim: number | null | undefined;

  private async scheduleNextWake(known: number | null | undefined): Promise<void> {
    const { store, now, limits } = this.deps;
    const current = now();
    const next = known !== undefined ? known : await store.nextVisibleAt(this.orchestrationNames, this.activityNames, current);
    this.wakeAt = Infinity; // recompute from scratch: the store knows every pending time
    this.scheduleWake(Math.min(next ?? Infinity, current + limits.pollIntervalMs));
  }

  private scheduleWake(at: number): void {
    if (!this.claiming() || at >= this.wakeAt) return;
    this.wakeAt = at;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.wake();
    }, clampedDelay(at - this.deps.now())); // a far wake comes early, finds nothing, and is scheduled again
  }

  /** When this worker next deletes tasks that dead or fenced-off workers left leased on ended instances. */
  private nextSweepAt = 0;

  private async deleteOrphanedTasks(): Promise<void> {
    const { store, now, limits, logger } = this.deps;
    this.nextSweepAt = now() + Math.max(ORPHAN_SWEEP_EVERY_MS, limits.leaseMs);
    try {
      await store.deleteOrphanedTasks(now(), ORPHAN_SWEEP_LIMIT);
    } catch (error) {
      if (!isStoreFault(error)) logger.warn(`worker: deleting tasks of ended instances failed: ${(error as Error).message}`);
    }
  }

  /** One renewal at a time: a slow store must not pile renewals up on its connections. */
  private renewing = false;

  private async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewLeasesOnce();
    } finally {
      this.renewing = false;
    }
  }

  private async renewLeasesOnce(): Promise<void> {
    const { store, registry, limits, now, logger } = this.deps;
    if (this.faults.isDamaged) return;
    if (this.faults.nextTryAt("heartbeat") <= now()) {
      try {
        await store.workerAlive(this.workerId, registry.names(), limits.leaseMs, now());
        this.faults.succeeded("heartbeat");
      } catch (error) {
        if (isStoreFault(error)) this.faults.failed("heartbeat", error);
        else logger.warn(`worker: heartbeat failed: ${(error as Error).message}`);
      }
    }
    if (now() >= this.nextSweepAt) await this.deleteOrphanedTasks();
    if (this.faults.isDamaged || this.faults.nextTryAt("lease renewal") > now()) return;
    const instanceLeases = [...this.orchestrations.values()].map(({ instanceId, leaseToken }) => ({ instanceId, leaseToken }));
    const taskTokens = [...this.activities.values()].map(({ task }) => task.leaseToken);
    try {
      const { endedTaskTokens } = await store.renewLeases(instanceLeases, taskTokens, now(), limits.leaseMs);
      this.faults.succeeded("lease renewal");
      // Instances ended by another process: tell their activities here that no one waits for them.
      for (const token of endedTaskTokens) {
        const running = this.activities.get(token);
        running?.abort.abort(new ActivityCancelledError(running.task.instanceId, running.task.name));
      }
    } catch (error) {
      if (isStoreFault(error)) this.faults.failed("lease renewal", error);
      else logger.warn(`worker: renewing leases failed: ${(error as Error).message}`);
    }
  }
}

/** Whether a claim took all it asked for (or could ask for nothing): more may be waiting. */
function filledLimit(request: WorkClaim, claimed: ClaimedWork): boolean {
  return claimed.orchestrations.length >= request.orchestrations.limit || claimed.activities.length >= request.activities.limit;
}
