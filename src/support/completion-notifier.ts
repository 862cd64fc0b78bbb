/**
 * In-process wake-ups for clients waiting on an instance: the worker's committer reports
 * instances that finished, so waitForCompletion in the same process returns at once
 * instead of at its next poll. Across processes, polling remains the fallback. It belongs to
 * neither side, so the worker (which reports) and the client (which waits) do not import each other.
 */
export class CompletionNotifier {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Calls `listener` once when `instanceId` is reported; returns an unsubscribe function. */
  once(instanceId: string, listener: () => void): () => void {
    const set = this.listeners.get(instanceId) ?? new Set();
    set.add(listener);
    this.listeners.set(instanceId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(instanceId);
    };
  }

  notify(instanceId: string): void {
    const set = this.listeners.get(instanceId);
    if (!set) return;
    this.listeners.delete(instanceId);
    for (const listener of set) listener();
  }
}
