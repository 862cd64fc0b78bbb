import type { Task, TimerTask } from "../definitions/task.js";
import { TimerCancelledError } from "../errors.js";

const ignore = (): void => {};

/**
 * A task settled by the engine when its history event is applied. The inner promise has a
 * no-op rejection handler attached, so a failed task nobody awaits (the loser of a race)
 * never becomes an unhandled rejection.
 */
export class DurableTask<T> implements Task<T> {
  readonly promise: Promise<T>;
  private resolveFn!: (value: T) => void;
  private rejectFn!: (reason: unknown) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.promise.catch(ignore);
  }

  static from<T>(promise: PromiseLike<T>): DurableTask<T> {
    const task = new DurableTask<T>();
    promise.then(
      (value) => task.resolve(value),
      (error) => task.reject(error),
    );
    return task;
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(value);
  }

  reject(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(reason);
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.promise.then(onFulfilled, onRejected);
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.promise.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.promise.finally(onFinally);
  }
}

/**
 * A durable timer. Cancelling a pending timer rejects it at once with TimerCancelledError, so
 * code that awaits it later does not hang; a timer that already fired stays resolved.
 */
export class DurableTimerTask extends DurableTask<undefined> implements TimerTask {
  isCancelled = false;
  constructor(
    private readonly instanceId: string,
    private readonly fireAtMs: number,
    private readonly onCancel: () => void,
  ) {
    super();
  }
  cancel(): void {
    if (this.settled || this.isCancelled) return;
    this.isCancelled = true;
    this.onCancel();
    this.reject(new TimerCancelledError(this.instanceId, new Date(this.fireAtMs)));
  }
}
