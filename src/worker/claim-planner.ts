/**
 * What the worker asks the store to claim: for the names it hosts, as much as its free slots
 * allow, under its lease. A claim goes alone (the claim loop) or rides on a group commit; there
 * the slots of the work the batch finishes count as free, because the claim and the commit land
 * together.
 *
 * It also keeps what the latest claim told about the queue (`mayHaveMore`): a claim that took
 * all it asked for may have left work waiting that only a freed slot lets in, so while that
 * holds, the worker looks again whenever a slot frees and every commit claims with it.
 */
import type { Registry } from "../definitions/registry.js";
import type { ClaimedWork, CommitOp, WorkClaim } from "../store/store.js";
import type { Leaseholder } from "./leaseholder.js";
import type { Slots } from "./slots.js";

export class ClaimPlanner {
  /** The latest claim filled its limit: work may be waiting that only a freed slot lets in. */
  mayHaveMore = true;
  /** Instances stalled before this time (the worker's start) are tried again; later ones are skipped. */
  stalledBefore = 0;
  private readonly orchestrationNames: string[];
  private readonly activityNames: string[];
  /** The `concurrency` caps of the activities this worker hosts. */
  private readonly concurrency: Record<string, number> = {};

  constructor(
    private readonly slots: Slots,
    private readonly leaseholder: Leaseholder,
    registry: Registry,
    private readonly maxMessagesPerEpisode: number,
  ) {
    const names = registry.names();
    this.orchestrationNames = names.orchestrations;
    this.activityNames = names.activities;
    for (const [name, definition] of registry.activities) {
      if (definition.options.concurrency !== undefined) this.concurrency[name] = definition.options.concurrency;
    }
  }

  /** The names whose work this worker claims, to ask the store when queued work becomes visible. */
  get names(): { orchestrations: readonly string[]; activities: readonly string[] } {
    return { orchestrations: this.orchestrationNames, activities: this.activityNames };
  }

  /** What this worker has room for at `now`, counting as free the slots of the work `landing` finishes. */
  request(now: number, landing: readonly CommitOp[] = []): WorkClaim {
    const free = this.slots.free(landing);
    const terms = this.leaseholder.claimTerms(now);
    return {
      orchestrations: {
        ...terms,
        names: this.orchestrationNames,
        limit: free.episodes,
        stalledBefore: this.stalledBefore,
        maxMessages: this.maxMessagesPerEpisode,
      },
      activities: { ...terms, names: this.activityNames, concurrency: this.concurrency, limit: free.attempts },
    };
  }

  /**
   * The claim to make in the same transaction as a commit of `ops`, or none: none for a lone
   * episode that ends its instance while the latest claim left nothing waiting. Such a batch
   * queues nothing, and whatever arrives meanwhile wakes the worker (an enqueue here, a store
   * hint, a timer, the poll). Its commit is then the last step from start to result, and a store
   * may make it one round trip (PostgreSQL does).
   */
  forCommit(ops: readonly CommitOp[], now: number): WorkClaim | undefined {
    if (!this.mayHaveMore && endsInstanceAlone(ops)) return undefined;
    return this.request(now, ops);
  }

  /** A claim was answered: whether it took all it asked for says whether more may be waiting. */
  answered(request: WorkClaim, claimed: ClaimedWork): void {
    this.mayHaveMore = filledLimit(request, claimed);
  }
}

/** Whether a batch is one episode that completes or fails its instance. */
function endsInstanceAlone(ops: readonly CommitOp[]): boolean {
  if (ops.length !== 1) return false;
  const op = ops[0]!;
  return op.type === "episode" && (op.result.runtimeStatus === "Completed" || op.result.runtimeStatus === "Failed");
}

/** Whether a claim took all it asked for (or could ask for nothing): more may be waiting. */
function filledLimit(request: WorkClaim, claimed: ClaimedWork): boolean {
  return claimed.orchestrations.length >= request.orchestrations.limit || claimed.activities.length >= request.activities.limit;
}
