/**
 * Gathers the calls made during one turn of the event loop and hands them to `run` together,
 * in chunks of at most `maxBatch`: a burst of starts, reads or events then costs one
 * statement (one round trip, at most one WAL flush) instead of one each. Chunks run
 * concurrently; each call resolves with its own result, or rejects with the chunk's error.
 */
interface Pending<Request, Result> {
  request: Request;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class TurnBatcher<Request, Result> {
  private pending: Pending<Request, Result>[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    /** Returns one result per request, in the same order. */
    private readonly run: (requests: readonly Request[]) => Promise<readonly Result[]>,
    private readonly maxBatch = 1000,
  ) {}

  add(request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Runs what was asked before a close: accepted calls still complete. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) this.flush();
    await Promise.allSettled([...this.running]);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) setImmediate(() => this.flush());
    const done = this.runBatch(batch);
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  private async runBatch(batch: readonly Pending<Request, Result>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((pending) => pending.request));
      batch.forEach((pending, i) => pending.resolve(results[i]!));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
