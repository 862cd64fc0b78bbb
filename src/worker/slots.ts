/**
 * The worker's slots: how many orchestration episodes and activity attempts it runs at once
 * (`maxConcurrentOrchestrations`, `maxConcurrentActivities`). This is the one place that counts
 * them: every claim asks for what `free()` says, every start goes through `admit()` or
 * `hasFreeAttemptSlot()`, and work holds its slot from its start here until its runner returns.
 *
 * Invariant, per kind: held ≤ capacity + landing, where `landing` is the work whose final op is
 * in the batch that just committed. That work is over, its runner is returning (it gives the
 * slot back a few microtasks later), and the work claimed in the same transaction may take
 * its slot at once: the hand-over that lets a chain of steps go on without a claim of its own.
 * Outside a hand-over, held ≤ capacity.
 *
 * A claim does not reserve slots while it is in flight: an inline attempt, or another claim,
 * may take them meanwhile, and what the answer brings beyond the room then left is handed back.
 */
import type { ActivityWorkItem, ClaimedWork, CommitOp, OrchestrationWorkItem } from "../store/store.js";
import type { AttemptAbort } from "./attempt-abort.js";

/** A count per kind of slot. */
export interface SlotCounts {
  episodes: number;
  attempts: number;
}

/** An activity attempt in flight (claimed from the queue, or run inline), by its lease token. */
export interface RunningAttempt {
  task: ActivityWorkItem;
  abort: AttemptAbort;
  /** Settles when nothing is left to do for the attempt. */
  done: Promise<void>;
}

export class Slots {
  /** Episodes in flight, by lease token (an instance may be claimed again as soon as its episode commits). */
  private readonly episodes = new Map<string, OrchestrationWorkItem>();
  private readonly attempts = new Map<string, RunningAttempt>();

  /** `emptied`: told when the last work running returns (the test kit's idle signal). */
  constructor(
    private readonly capacity: SlotCounts,
    private readonly emptied?: () => void,
  ) {}

  /**
   * The free slots of each kind, counting as free those of the work `landing` (a batch being
   * or just committed) finishes: the episodes and attempts this worker runs, not work handed
   * back unstarted, which never held a slot.
   */
  free(landing: readonly CommitOp[] = []): SlotCounts {
    let episodes = this.capacity.episodes - this.episodes.size;
    let attempts = this.capacity.attempts - this.attempts.size;
    for (const op of landing) {
      if ("task" in op) attempts += this.attempts.has(op.task.leaseToken) ? 1 : 0;
      else episodes += this.episodes.has(op.leaseToken) ? 1 : 0;
    }
    return { episodes, attempts };
  }

  /** Whether an attempt may start now, outside any hand-over (an inline attempt). */
  hasFreeAttemptSlot(): boolean {
    return this.attempts.size < this.capacity.attempts;
  }

  /**
   * Splits claimed work into what fits the slots free now (counting those `landing` frees) and
   * what does not. Nothing fits when `open` is false (the worker is stopping).
   */
  admit(claimed: ClaimedWork, landing: readonly CommitOp[], open: boolean): { fits: ClaimedWork; handBack: ClaimedWork } {
    const room = open ? this.free(landing) : { episodes: 0, attempts: 0 };
    const episodes = Math.max(0, room.episodes);
    const attempts = Math.max(0, room.attempts);
    return {
      fits: { orchestrations: claimed.orchestrations.slice(0, episodes), activities: claimed.activities.slice(0, attempts) },
      handBack: { orchestrations: claimed.orchestrations.slice(episodes), activities: claimed.activities.slice(attempts) },
    };
  }

  holdEpisode(item: OrchestrationWorkItem): void {
    this.episodes.set(item.leaseToken, item);
  }

  releaseEpisode(leaseToken: string): void {
    this.episodes.delete(leaseToken);
    if (this.emptied && this.isEmpty()) this.emptied();
  }

  holdAttempt(attempt: RunningAttempt): void {
    this.attempts.set(attempt.task.leaseToken, attempt);
  }

  releaseAttempt(leaseToken: string): void {
    this.attempts.delete(leaseToken);
    if (this.emptied && this.isEmpty()) this.emptied();
  }

  /** The slots in use and the capacity, per kind (the worker's slot gauges). */
  figures(): { used: SlotCounts; capacity: SlotCounts } {
    return { used: { episodes: this.episodes.size, attempts: this.attempts.size }, capacity: { ...this.capacity } };
  }

  /** Whether nothing runs: no episode, no attempt (but those in `except`, by lease token). */
  isEmpty(except?: ReadonlySet<string>): boolean {
    if (this.episodes.size > 0) return false;
    if (!except || this.attempts.size === 0) return this.attempts.size === 0;
    for (const token of this.attempts.keys()) if (!except.has(token)) return false;
    return true;
  }

  heldEpisodes(): IterableIterator<OrchestrationWorkItem> {
    return this.episodes.values();
  }

  heldAttempts(): IterableIterator<RunningAttempt> {
    return this.attempts.values();
  }

  attempt(leaseToken: string): RunningAttempt | undefined {
    return this.attempts.get(leaseToken);
  }
}
