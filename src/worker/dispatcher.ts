/**
 * Starts the work the worker claimed, in its slots (slots.ts): an episode per claimed instance
 * (episode-runner.ts), an attempt per claimed task (activity-runner.ts), and the attempts that
 * episodes offer to run inline (inline-activities.ts). What no longer fits, or comes when the
 * worker stops, is handed back to the queue at once. When the worker's time to stop is up, it
 * aborts what still runs and hands it back too.
 */
import type { Context } from "@opentelemetry/api";
import type { Logger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import { ActivityCancelledError, ClosedError } from "../errors.js";
import type { ActivityWorkItem, ClaimedWork, CommitOp, OrchestrationWorkItem, WorkQueue } from "../store/store.js";
import { runActivity, type ActivityRunnerDeps } from "./activity-runner.js";
import { AttemptAbort } from "./attempt-abort.js";
import type { Committer } from "./committer.js";
import { unguarded } from "./determinism-guard.js";
import { runEpisode, type EpisodeRunnerDeps } from "./episode-runner.js";
import type { InlineActivityHost } from "./inline-activities.js";
import { InlineAttempt } from "./inline-attempt.js";
import type { Leaseholder } from "./leaseholder.js";
import type { RunCache } from "./run-cache.js";
import type { Slots } from "./slots.js";
import { attemptFields } from "./log-context.js";
import { isStoreFault } from "./store-faults.js";

/** How long episodes still get, once attempts were aborted at stop, to end on their own. */
const EPISODE_GRACE_MS = 1000;

export interface DispatcherDeps {
  store: WorkQueue;
  registry: Registry;
  logger: Logger;
  now: () => number;
  maxPayloadBytes: number;
  /** Run hosted activities inline in the episode that schedules them. */
  inlineActivities: boolean;
  /** Run orchestration code inside the determinism guard. */
  determinismGuard: boolean;
  committer: Committer;
  cache: RunCache;
  slots: Slots;
  leaseholder: Leaseholder;
  /** Whether new work may start: the worker runs (it is not stopping). */
  isOpen: () => boolean;
  /** An episode or a claimed attempt returned: its slot is free. */
  slotFreed: () => void;
  /** Work may be claimable that was not started: look again. */
  wake: () => void;
  /** Timers for activity and heartbeat timeouts, on the worker's clock. */
  setTimer: ActivityRunnerDeps["setTimer"];
  /** Told when an attempt ended, before its outcome is committed (WorkerDeps.attemptFinished). */
  attemptFinished?: ActivityRunnerDeps["attemptFinished"];
}

export class Dispatcher implements InlineActivityHost {
  readonly leaseholder: Leaseholder;
  /** Episodes in flight: stop() waits for them. */
  private readonly episodes = new Set<Promise<void>>();
  private readonly episodeDeps: EpisodeRunnerDeps;
  private readonly activityDeps: ActivityRunnerDeps;

  constructor(private readonly deps: DispatcherDeps) {
    const { store, registry, committer, cache, logger, maxPayloadBytes, now } = deps;
    this.leaseholder = deps.leaseholder;
    const { workerId } = deps.leaseholder;
    this.activityDeps = {
      registry, committer, logger, maxPayloadBytes, now, workerId, setTimer: deps.setTimer,
      ...(deps.attemptFinished ? { attemptFinished: deps.attemptFinished } : {}),
    };
    this.episodeDeps = { store, registry, committer, cache, logger, maxPayloadBytes, now, workerId, inline: deps.inlineActivities ? this : undefined, determinismGuard: deps.determinismGuard };
  }

  /**
   * Starts claimed work within the slots free now, counting as free those of the work that
   * `landing` (a batch just committed) ends. Another claim, or an inline attempt, may have taken
   * slots while this claim was in flight: what no longer fits is handed straight back.
   */
  async startClaimed(claimed: ClaimedWork, landing: readonly CommitOp[] = []): Promise<void> {
    if (this.answeredTooLate(claimed)) return;
    const { fits, handBack } = this.deps.slots.admit(claimed, landing, this.deps.isOpen());
    for (const item of fits.orchestrations) this.startEpisode(item);
    for (const task of fits.activities) this.startActivity(task);
    // stop() began while the claim was in flight, or the work no longer fits.
    const { committer } = this.deps;
    await Promise.all([
      ...handBack.orchestrations.map((item) =>
        committer.submit({ type: "releaseInstance", instanceId: item.instanceId, leaseToken: item.leaseToken }),
      ),
      ...handBack.activities.map((task) => committer.submit({ type: "releaseActivity", task })),
    ]);
  }

  /** An episode's offer to run an activity inline: taken when it is hosted here and a slot is free. */
  tryStart(task: ActivityWorkItem, traceParent?: Context): InlineAttempt | undefined {
    const { registry, slots } = this.deps;
    const definition = registry.activities.get(task.name);
    if (!this.deps.isOpen() || !definition) return undefined;
    // A global cap is enforced by the store when claiming: such activities go through the queue.
    if (definition.options.concurrency !== undefined) return undefined;
    if (!slots.hasFreeAttemptSlot()) return undefined;
    // The slot frees when the result is consumed (the episode's commit then claims more work)
    // or, for an attempt handed off, once its outcome is committed.
    // Started outside the guard: an activity may read the clock even when orchestration code may not.
    const attempt = unguarded(() => new InlineAttempt(task, this.activityDeps, () => slots.releaseAttempt(task.leaseToken), traceParent));
    slots.holdAttempt({ task, abort: attempt.abort, done: attempt.done });
    return attempt;
  }

  /** The instance ended: its attempts running here get their signal fired (their results will be dropped). */
  cancelAttemptsOf(instanceId: string): void {
    for (const { task, abort } of this.deps.slots.heldAttempts()) {
      if (task.instanceId === instanceId) abort.abort(new ActivityCancelledError(instanceId, task.name));
    }
  }

  /** Settles once every episode and attempt in flight now has returned. */
  allReturned(): Promise<unknown> {
    return Promise.all([...this.episodes, ...[...this.deps.slots.heldAttempts()].map((a) => a.done)]);
  }

  /**
   * The worker's time to stop is up: attempts are aborted and their tasks released; episodes
   * get a grace period to end on their own, then the instances still leased are released.
   */
  async abandonAll(): Promise<void> {
    const { slots, committer } = this.deps;
    for (const { abort } of slots.heldAttempts()) abort.abort(new ClosedError("The worker is stopping."));
    const releases = [...slots.heldAttempts()].map(({ task }) => committer.submit({ type: "releaseActivity", task }).catch(() => "leaseLost"));
    await Promise.all(releases);
    // Episodes end on their own unless user code awaits something that is not durable.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.episodes), new Promise((r) => (grace = setTimeout(r, EPISODE_GRACE_MS)))]);
    clearTimeout(grace);
    await Promise.all(
      [...slots.heldEpisodes()].map((item) =>
        committer.submit({ type: "releaseInstance", instanceId: item.instanceId, leaseToken: item.leaseToken }).catch(() => "leaseLost"),
      ),
    );
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
    this.deps.logger.warn("a claim was answered after its leases ran out: its work is left to be claimed again", {
      lateMs: now - claimed.leasesExpireAt,
      episodes: claimed.orchestrations.length,
      attempts: claimed.activities.length,
    });
    this.deps.wake();
    return true;
  }

  private startEpisode(item: OrchestrationWorkItem): void {
    const { slots } = this.deps;
    slots.holdEpisode(item);
    const done = runEpisode(item, this.episodeDeps).finally(() => {
      slots.releaseEpisode(item.leaseToken);
      this.episodes.delete(done);
      this.deps.slotFreed();
    });
    this.episodes.add(done);
  }

  private startActivity(task: ActivityWorkItem): void {
    const { slots, logger } = this.deps;
    const abort = new AttemptAbort();
    const done = runActivity(task, abort, this.activityDeps)
      .catch((error: unknown) => {
        if (!isStoreFault(error)) logger.error("activity attempt could not be completed", { ...attemptFields(task), err: error });
      })
      .finally(() => {
        slots.releaseAttempt(task.leaseToken);
        this.deps.slotFreed();
      });
    slots.holdAttempt({ task, abort, done });
  }
}
