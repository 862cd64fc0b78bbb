/**
 * A durable task: what ctx.callActivity, ctx.createTimer and the other durable calls return.
 * It is a PromiseLike, so `await`, native `Promise.all`/`Promise.race` and `try…catch` work.
 */
export interface Task<T> extends PromiseLike<T> {
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R>;
  finally(onFinally?: (() => void) | null): Promise<T>;
}

/** A durable timer; `cancel()` stops it from ever resolving. */
export interface TimerTask extends Task<undefined> {
  cancel(): void;
  readonly isCancelled: boolean;
}
