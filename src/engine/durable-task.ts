import type { Task, TimerTask } from "../definitions/task.js";

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

export class DurableTimerTask extends DurableTask<undefined> implements TimerTask {
  isCancelled = false;
  constructor(private readonly onCancel: () => void) {
    super();
  }
  cancel(): void {
    if (this.settled || this.isCancelled) return;
    this.isCancelled = true;
    this.onCancel();
  }
}
