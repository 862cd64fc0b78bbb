/**
 * A durable task: what ctx.callActivity, ctx.createTimer and the other durable calls return.
 * It is a PromiseLike, so `await`, native `Promise.all`/`Promise.race` and `try…catch` work.
 */
export interface Task<T> extends PromiseLike<T> {
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R>;
  finally(onFinally?: (() => void) | null): Promise<T>;
}

/** A durable timer: resolves with `undefined` at its fire time, unless cancelled. */
export interface TimerTask extends Task<undefined> {
  /**
   * Stops a pending timer: it never fires, and the task rejects at once with
   * `TimerCancelledError` (code `TIMER_CANCELLED`, with `fireAt`), so awaiting it later does
   * not hang. Does nothing on a timer that already fired or was already cancelled.
   *
   * @example
   * const timeout = ctx.sleep("1h");
   * const winner = await ctx.any([ctx.waitForExternalEvent("Done"), timeout]);
   * if (winner.index === 0) timeout.cancel();
   */
  cancel(): void;
  readonly isCancelled: boolean;
}
