/**
 * Whether an activity attempt was aborted (the worker stopping, its timeout) and why. The
 * AbortController behind `ctx.signal` is created only when the activity asks for the signal:
 * creating one costs more than a trivial activity, and most never look at it.
 */
export class AttemptAbort {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private isAborted = false;

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
