import type { OrchestrationRun } from "../engine/orchestration-run.js";

/**
 * Orchestration runs kept alive between episodes, so the next episode applies only its
 * new messages instead of replaying the whole history. Least recently used runs are
 * evicted past `maxRuns`; an evicted run is rebuilt by replay when next needed.
 */
export class RunCache {
  private readonly runs = new Map<string, OrchestrationRun>();

  constructor(private readonly maxRuns: number) {}

  /** Removes and returns the run if it is at exactly this point of this execution. */
  take(instanceId: string, executionId: string, historyLength: number): OrchestrationRun | undefined {
    const run = this.runs.get(instanceId);
    if (!run) return undefined;
    this.runs.delete(instanceId);
    return run.executionId === executionId && run.historyLength === historyLength ? run : undefined;
  }

  /** Removes the entry for this instance if it is still `run`. */
  evict(instanceId: string, run: OrchestrationRun): void {
    if (this.runs.get(instanceId) === run) this.runs.delete(instanceId);
  }

  put(instanceId: string, run: OrchestrationRun): void {
    if (this.maxRuns <= 0) return;
    this.runs.delete(instanceId);
    this.runs.set(instanceId, run);
    while (this.runs.size > this.maxRuns) {
      const oldest = this.runs.keys().next().value as string;
      this.runs.delete(oldest);
    }
  }

  clear(): void {
    this.runs.clear();
  }
}
