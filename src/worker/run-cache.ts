import type { OrchestrationRun } from "../engine/orchestration-run.js";

/**
 * Orchestration runs kept alive between episodes, so the next episode applies only its
 * new messages instead of replaying the whole history. Bounded by count and by approximate
 * size (OrchestrationRun.approxBytes, taken when a run is put): least recently used runs
 * are evicted past either bound; an evicted run is rebuilt by replay when next needed.
 */
export class RunCache {
  private readonly runs = new Map<string, { run: OrchestrationRun; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxRuns: number,
    private readonly maxBytes: number,
  ) {}

  /** Removes and returns the run if it is at exactly this point of this execution. */
  take(instanceId: string, executionId: string, historyLength: number): OrchestrationRun | undefined {
    const entry = this.runs.get(instanceId);
    if (!entry) return undefined;
    this.remove(instanceId);
    const { run } = entry;
    return run.executionId === executionId && run.historyLength === historyLength ? run : undefined;
  }

  /** Removes the entry for this instance if it is still `run`. */
  evict(instanceId: string, run: OrchestrationRun): void {
    if (this.runs.get(instanceId)?.run === run) this.remove(instanceId);
  }

  put(instanceId: string, run: OrchestrationRun): void {
    this.remove(instanceId);
    if (this.maxRuns <= 0 || run.approxBytes > this.maxBytes) return;
    this.runs.set(instanceId, { run, bytes: run.approxBytes });
    this.bytes += run.approxBytes;
    while (this.runs.size > this.maxRuns || this.bytes > this.maxBytes) {
      this.remove(this.runs.keys().next().value as string);
    }
  }

  /** Runs held and their approximate total size. */
  get size(): { runs: number; bytes: number } {
    return { runs: this.runs.size, bytes: this.bytes };
  }

  clear(): void {
    this.runs.clear();
    this.bytes = 0;
  }

  private remove(instanceId: string): void {
    const entry = this.runs.get(instanceId);
    if (!entry) return;
    this.runs.delete(instanceId);
    this.bytes -= entry.bytes;
  }
}
