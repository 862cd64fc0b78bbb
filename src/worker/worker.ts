/**
 * The worker: claims orchestration episodes and activity tasks from the store, runs them in
 * its slots, keeps their leases alive, and stops gracefully. This file holds its lifecycle and
 * its claim loop, and wires the parts: slots.ts (how much runs at once), claim-planner.ts (what
 * a claim asks for), committer.ts (group commit, claiming in the same transaction),
 * after-commit.ts (what follows a landed batch), dispatcher.ts (starting claimed and inline
 * work), lease-keeper.ts (heartbeat and renewals), store-faults.ts (a full or damaged store).
 *
 * ## Modes (`state`): idle -> running (start) -> draining (stop) -> stopped
 * - idle: constructed; nothing claimed, no timers. stop() now goes straight to stopped.
 * - running: the claim loop runs whenever woken (below); claimed work starts within the free
 *   slots; the lease keeper beats. Only this mode claims, and only while the store was not
 *   found damaged: then claims and renewals stop for good (work in flight ends as its writes
 *   are refused).
 * - draining: stop() began. Nothing more is claimed; what claims still in flight bring is
 *   handed back. Running work is awaited up to stop's timeout; past it, attempts are aborted
 *   and released, episodes get a grace second, then their instances are released. Last, tasks
 *   left leased on ended instances are swept and the worker says it stopped.
 * - stopped: final.
 *
 * ## The claim loop
 * `pump()` claims while each claim fills its limit, then schedules the next look: at the
 * earliest `visibleAt` queued for later (timers, retry backoff), at most one poll interval away
 * (the fallback for work written by other processes).
 * - `pumping`: a pump runs; a wake() meanwhile starts no other, it sets `pumpAgain`: the pump
 *   claims once more before it sleeps (a wake-up between a claim and the scheduling of the
 *   next look must not be lost).
 * - `wakeTimer` (wake-timer.ts): one timer for the earliest look wanted.
 * - `claims.mayHaveMore`: the latest claim filled its limit, so work may be waiting: each freed
 *   slot wakes the loop, and every commit claims with it.
 * Wake-ups come from start(), an enqueue in this process (notifyEnqueued), a store hint
 * (PostgreSQL NOTIFY), a freed slot while `mayHaveMore`, a commit that made work visible it did
 * not claim, a claim answered too late, and the wake timer. After a claim failed for a full
 * disk, no claim is made before its backoff passes: a wake-up meanwhile waits for it.
 */
import type { HistoryEntry } from "../engine/history-entry.js";
import { withFields, type Logger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import type { ActivityWorkItem, WorkQueue } from "../store/store.js";
import { AfterCommit } from "./after-commit.js";
import { ClaimPlanner } from "./claim-planner.js";
import { Committer } from "./committer.js";
import type { CompletionNotifier } from "../support/completion-notifier.js";
import { installDeterminismGuard } from "./determinism-guard.js";
import { Dispatcher } from "./dispatcher.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { Leaseholder } from "./leaseholder.js";
import { setLongTimeout, type LongTimeout } from "../support/long-timeout.js";
import { recordClaim, timed, trackSlots } from "../observability/metrics.js";
import { RunCache } from "./run-cache.js";
import { Slots } from "./slots.js";
import { isStoreFault, StoreFaults } from "./store-faults.js";
import { WakeTimer } from "./wake-timer.js";

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
  /** Orchestration code may not read the clock, randomness or timers (determinism-guard.ts). */
  determinismGuard?: boolean;
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
  /**
   * Told when the worker may have gone idle (see isIdle): the test kit's cue to skip its
   * virtual clock ahead. Called synchronously from inside the worker: check isIdle later.
   */
  onSettled?: () => void;
  /** Timers on the baton's clock, for activity and heartbeat timeouts. Default: real timers. */
  setTimer?: (callback: () => void, delayMs: number) => LongTimeout;
  /** An attempt ended and its outcome is about to be committed: the test kit's "after-activity" crash point. */
  attemptFinished?: (task: ActivityWorkItem) => void;
}

export class Worker {
  private state: "idle" | "running" | "draining" | "stopped" = "idle";
  private pumping = false;
  private pumpAgain = false;
  /** What the latest claim read of `nextVisibleAt`, if its store reads it on the way. */
  private nextVisibleFromClaim: number | null | undefined;
  private unwatch: (() => void) | undefined;
  private untrackSlots: (() => void) | undefined;
  private readonly leaseholder: Leaseholder;
  private readonly claims: ClaimPlanner;
  private readonly faults: StoreFaults;
  private readonly cache: RunCache;
  private readonly committer: Committer;
  private readonly dispatcher: Dispatcher;
  private readonly afterCommit: AfterCommit;
  private readonly keeper: LeaseKeeper;
  private readonly wakeTimer: WakeTimer;
  private readonly slots: Slots;
  /** The logger given, with this worker's id on every line. */
  private readonly logger: Logger;

  constructor(private readonly deps: WorkerDeps) {
    const { store, registry, notifier, now, limits } = deps;
    const leaseholder = (this.leaseholder = new Leaseholder(store, limits.leaseMs));
    const logger = (this.logger = withFields(deps.logger, { workerId: leaseholder.workerId }));
    const slotCounts = { episodes: limits.maxConcurrentOrchestrations, attempts: limits.maxConcurrentActivities };
    const slots = (this.slots = new Slots(slotCounts, deps.onSettled));
    const claims = (this.claims = new ClaimPlanner(slots, leaseholder, registry, limits.maxMessagesPerEpisode));
    this.cache = new RunCache(limits.maxCachedRuns, limits.maxCachedBytes);
    this.faults = new StoreFaults(logger, now, () => this.stopClaiming());
    this.wakeTimer = new WakeTimer(now, () => this.wake());
    this.committer = new Committer(
      store,
      now,
      (ops, at) => (this.claiming() ? this.claims.forCommit(ops, at) : undefined),
      (ops, outcomes, claimed) => {
        this.faults.succeeded("commit");
        this.afterCommit.committed(ops, outcomes, claimed);
        this.deps.onSettled?.();
      },
      (error) => this.faults.commitRetryDelay(error),
    );
    const { committer, cache, faults } = this;
    const { maxPayloadBytes, inlineActivities, determinismGuard = false } = limits;
    if (determinismGuard) installDeterminismGuard();
    this.dispatcher = new Dispatcher({
      store, registry, logger, now, maxPayloadBytes, inlineActivities, determinismGuard, committer, cache, slots, leaseholder,
      setTimer: deps.setTimer ?? setLongTimeout,
      ...(deps.attemptFinished ? { attemptFinished: deps.attemptFinished } : {}),
      isOpen: () => this.state === "running",
      // A run's commit claimed, in the same transaction, the work its slot made room for.
      slotFreed: () => (claims.mayHaveMore ? this.wake() : undefined),
      wake: () => this.wake(),
    });
    this.afterCommit = new AfterCommit({
      logger, notifier, onHistory: deps.onHistory, claims, dispatcher: this.dispatcher,
      wakeAt: (at) => this.scheduleWake(at),
      wake: () => this.wake(),
    });
    this.keeper = new LeaseKeeper({ store, registry, logger, now, leaseholder, slots, faults });
  }

  get workerId(): string {
    return this.leaseholder.workerId;
  }

  async start(): Promise<void> {
    if (this.state !== "idle") return;
    this.state = "running";
    const startedAt = this.deps.now();
    this.claims.stalledBefore = startedAt;
    await this.deps.store.announceFunctions(this.workerId, this.deps.registry.names(), startedAt);
    await this.keeper.start(startedAt);
    this.untrackSlots = trackSlots(this.workerId, () => this.slots.figures());
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
    this.wakeTimer.cancel();
    let timer: LongTimeout | undefined;
    const timedOut = await Promise.race([
      this.dispatcher.allReturned().then(() => false),
      new Promise<boolean>((resolve) => (timer = setLongTimeout(() => resolve(true), timeoutMs))),
    ]);
    timer?.clear();
    if (timedOut) {
      this.committer.stopRetrying(); // a full disk must not hold the releases below
      await this.dispatcher.abandonAll();
    }
    this.keeper.stop();
    this.committer.stopRetrying();
    await this.committer.idle();
    // What this worker's own releases and the workers killed before it left behind.
    if (!this.faults.isDamaged) await this.keeper.sweepOrphans();
    await this.deps.store.workerStopped(this.workerId).catch(() => undefined); // else it ages out after its lease
    this.untrackSlots?.();
    this.cache.clear();
    this.state = "stopped";
  }

  /**
   * The in-process equivalent of SIGKILL, for the test kit's crashes: the worker stops where it
   * is. It releases nothing and commits nothing more (its store is cut off by the caller); its
   * leases expire as a killed process's do. Running activity code is not interrupted.
   */
  halt(): void {
    this.state = "stopped";
    this.unwatch?.();
    this.wakeTimer.cancel();
    this.keeper.stop();
    this.committer.stopRetrying();
  }

  /**
   * Whether the worker runs and has nothing to do this moment: no claim in flight, no episode
   * or attempt running (but those in `except`, by lease token), nothing waiting to be
   * committed. Work queued for later may remain.
   */
  isIdle(except?: ReadonlySet<string>): boolean {
    return this.state === "running" && !this.pumping && this.slots.isEmpty(except) && !this.committer.busy;
  }

  /** The lease tokens of the activity attempts running now. */
  runningAttempts(): Set<string> {
    return new Set([...this.slots.heldAttempts()].map((attempt) => attempt.task.leaseToken));
  }

  /** Renews the leases of the work in flight now, as the lease keeper's next beat would (after the test kit moved its clock). */
  renewLeases(): Promise<void> {
    return this.keeper.renewNow();
  }

  /** The earliest time queued work this worker hosts becomes visible (null: none queued). */
  nextVisibleAt(): Promise<number | null> {
    const { orchestrations, activities } = this.claims.names;
    return this.deps.store.nextVisibleAt(orchestrations, activities, this.deps.now());
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
        this.logger.error("claiming work failed; retrying", { err: error });
        this.scheduleWake(this.deps.now() + this.deps.limits.pollIntervalMs);
      }
    } finally {
      this.pumping = false;
      this.deps.onSettled?.();
    }
  }

  /** Claims what free slots allow; true when it claimed as much as it asked for (there may be more). */
  private async claimOnce(): Promise<boolean> {
    const request = this.claims.request(this.deps.now());
    const claimed = await timed(recordClaim, () => this.deps.store.claim(request));
    this.faults.succeeded("claim");
    this.claims.answered(request, claimed);
    this.nextVisibleFromClaim = claimed.nextVisibleAt;
    await this.dispatcher.startClaimed(claimed);
    const any = claimed.orchestrations.length + claimed.activities.length > 0;
    return any && this.claims.mayHaveMore && this.state === "running";
  }

  /** Whether the worker claims work: it runs, and its store was not found damaged. */
  private claiming(): boolean {
    return this.state === "running" && !this.faults.isDamaged;
  }

  /** The store is damaged: claim nothing more, renew nothing (work in flight ends as its writes are refused). */
  private stopClaiming(): void {
    this.wakeTimer.cancel();
    this.keeper.stop();
  }

  private async scheduleNextWake(known: number | null | undefined): Promise<void> {
    const { store, now, limits } = this.deps;
    const current = now();
    const { orchestrations, activities } = this.claims.names;
    const next = known !== undefined ? known : await store.nextVisibleAt(orchestrations, activities, current);
    this.wakeTimer.forget(); // recompute from scratch: the store knows every pending time
    this.scheduleWake(Math.min(next ?? Infinity, current + limits.pollIntervalMs));
  }

  private scheduleWake(at: number): void {
    if (this.claiming()) this.wakeTimer.request(at);
  }
}
