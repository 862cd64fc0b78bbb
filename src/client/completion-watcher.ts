/**
 * Watches the instances that callers of waitForCompletion wait on. One store query checks
 * them all: at once (batched) when a wait begins, then at a polling interval that backs off
 * while nothing finishes. A thousand waiters cost one query per poll, not a thousand reads.
 * With a worker in this process, its commits wake waiters directly (the notifier); a store
 * that pushes hints (PostgreSQL) wakes them when other processes finish an instance. Polling
 * then only covers what a lost hint would miss.
 */
import { FINISHED_STATUSES, type InstanceStore } from "../store/store.js";
import type { CompletionNotifier } from "../support/completion-notifier.js";

export interface PollPace {
  firstMs: number;
  maxMs: number;
}

/** Out of process, polling is all there is: start fast. In process, commits wake waiters. */
export const POLL_WITHOUT_NOTIFIER: PollPace = { firstMs: 5, maxMs: 500 };
export const POLL_WITH_NOTIFIER: PollPace = { firstMs: 250, maxMs: 1000 };

export class CompletionWatcher {
  /** Wake-ups by instance id: called when the instance may have finished (or does not exist). */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly fresh = new Set<string>();
  private freshCheckScheduled = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollMs: number;

  constructor(
    private readonly store: InstanceStore,
    private readonly notifier: CompletionNotifier | undefined,
    private readonly pace: PollPace = notifier || store.watch ? POLL_WITH_NOTIFIER : POLL_WITHOUT_NOTIFIER,
  ) {
    this.pollMs = pace.firstMs;
  }

  /** Hints from other processes, subscribed on the first wait; the store's close ends them. */
  private hinted = false;

  /** Calls `wake` (possibly more than once) whenever `instanceId` may have finished; returns an unsubscribe function. */
  watch(instanceId: string, wake: () => void): () => void {
    let set = this.waiters.get(instanceId);
    if (!set) this.waiters.set(instanceId, (set = new Set()));
    set.add(wake);
    const unnotify = this.notifier?.once(instanceId, () => this.wake(instanceId));
    if (!this.hinted && this.store.watch) {
      this.hinted = true;
      this.store.watch((hint) => {
        if (hint.type === "finished") this.wake(hint.instanceId);
      });
    }
    this.fresh.add(instanceId);
    if (!this.freshCheckScheduled) {
      this.freshCheckScheduled = true;
      setImmediate(() => void this.checkFresh());
    }
    // A new waiter starts the polling pace over.
    if (this.pollTimer === undefined || this.pollMs !== this.pace.firstMs) {
      this.pollMs = this.pace.firstMs;
      this.schedulePoll();
    }
    return () => {
      unnotify?.();
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(instanceId);
      if (this.waiters.size === 0) this.stopPolling();
    };
  }

  private wake(instanceId: string): void {
    for (const wake of this.waiters.get(instanceId) ?? []) wake();
  }

  private async checkFresh(): Promise<void> {
    this.freshCheckScheduled = false;
    const ids = [...this.fresh];
    this.fresh.clear();
    await this.check(ids);
  }

  private schedulePoll(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), this.pollMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    const woke = await this.check([...this.waiters.keys()]);
    if (this.waiters.size === 0) return;
    this.pollMs = woke ? this.pace.firstMs : Math.min(this.pollMs * 2, this.pace.maxMs);
    this.schedulePoll();
  }

  /** Wakes the waiters of the instances among `ids` that finished or do not exist; true if any. */
  private async check(ids: readonly string[]): Promise<boolean> {
    if (ids.length === 0) return false;
    let statuses: Map<string, string>;
    try {
      statuses = await this.store.runtimeStatuses(ids);
    } catch {
      // Let each waiter read for itself and report the error.
      for (const id of ids) this.wake(id);
      return true;
    }
    let woke = false;
    for (const id of ids) {
      const status = statuses.get(id);
      if (status === undefined || FINISHED_STATUSES.includes(status as never)) {
        this.wake(id);
        woke = true;
      }
    }
    return woke;
  }
}
