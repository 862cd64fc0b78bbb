/**
 * Group commit: ops submitted during one turn of the event loop are applied together in
 * one store transaction (one fsync). A submitter's promise resolves only after its batch
 * is durable. Batches are bounded; one batch is in flight at a time. Each batch also claims
 * the work the worker has room for, in the same transaction: the next step of a chain is
 * handed on without a claim transaction (and fsync) of its own.
 *
 * A batch the store refused for a reason that passes (a full disk) is tried again, whole, after
 * the pause `retryDelay` gives, until it commits or `stopRetrying()` is called; ops submitted
 * meanwhile wait behind it. Retrying is safe: a refused transaction wrote nothing, and each op is
 * fenced by its lease token (an op whose lease passed to another worker meanwhile is `leaseLost`).
 */
import { recordCommit, timed } from "../observability/metrics.js";
import type { ClaimedWork, CommitOp, CommitOutcome, WorkClaim, WorkQueue } from "../store/store.js";

interface Pending {
  op: CommitOp;
  resolve: (outcome: CommitOutcome) => void;
  reject: (error: unknown) => void;
}

export class Committer {
  private queue: Pending[] = [];
  private flushScheduled = false;
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  private retrying = true;
  /** Ends the pause before a retry early. */
  private cutPause: (() => void) | undefined;

  constructor(
    private readonly store: WorkQueue,
    private readonly now: () => number,
    /** What to claim in the same transaction; `ops` free the slots of the work they finish. */
    private readonly claimRequest: (ops: readonly CommitOp[], now: number) => WorkClaim | undefined,
    /** `claimed` is undefined when the batch claimed nothing because no claim was asked for. */
    private readonly onCommitted: (
      ops: readonly CommitOp[],
      outcomes: readonly CommitOutcome[],
      claimed: { request: WorkClaim; work: ClaimedWork } | undefined,
    ) => void,
    /** How long to wait before trying a failed batch again; undefined rejects its ops with the error. */
    private readonly retryDelay: (error: unknown) => number | undefined = () => undefined,
    private readonly maxBatchSize = 512,
  ) {}

  /** From now on a failed batch is not tried again: its ops reject (the worker is stopping). */
  stopRetrying(): void {
    this.retrying = false;
    this.cutPause?.();
  }

  submit(op: CommitOp): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Whether anything submitted is still to be committed. */
  get busy(): boolean {
    return this.flushing || this.flushScheduled || this.queue.length > 0;
  }

  /** Resolves once everything submitted so far has been committed (or has failed). */
  idle(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    this.flushing = true;
    const batch = this.queue.splice(0, this.maxBatchSize);
    const ops = batch.map((p) => p.op);
    try {
      for (;;) {
        // One time for the ops and the claim: a message an op makes visible at `now` is then
        // claimable in the same transaction (a claim with an earlier time would miss it).
        const now = this.now();
        const claim = this.claimRequest(ops, now);
        let committed;
        try {
          committed = await timed(recordCommit, () => this.store.commit(ops, now, claim));
        } catch (error) {
          const delayMs = this.retrying ? this.retryDelay(error) : undefined;
          if (delayMs === undefined) throw error;
          await this.pause(delayMs);
          continue;
        }
        batch.forEach((p, i) => p.resolve(committed.outcomes[i]!));
        this.onCommitted(ops, committed.outcomes, claim ? { request: claim, work: committed.claimed } : undefined);
        return;
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.scheduleFlush();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cutPause = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.cutPause = undefined;
    });
  }
}
