/**
 * This worker as the holder of leases: its id and the length of every lease it takes. The
 * worker's `leaseMs` option enters here, once; each store request that names a lease owner or a
 * lease length is built here: a claim's terms, a task handed off from an inline attempt, the
 * heartbeat, the renewal of the leases it holds.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ActivityWorkItem, InstanceLease, RunningTask, WorkQueue } from "../store/store.js";

export class Leaseholder {
  /** Unique per worker, readable in the store: host, process, and a random part. */
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly store: WorkQueue,
    readonly leaseMs: number,
  ) {}

  /** What every claim request names: who holds the leases it takes, for how long, from when. */
  claimTerms(now: number): { workerId: string; leaseMs: number; now: number } {
    return { workerId: this.workerId, leaseMs: this.leaseMs, now };
  }

  /** A task whose first attempt already runs here, to be inserted leased to this worker. */
  runningTask(task: ActivityWorkItem): RunningTask {
    return { seq: task.seq, leaseOwner: this.workerId, leaseToken: task.leaseToken, leaseMs: this.leaseMs };
  }

  /** Says that this worker runs, and what it hosts: it counts as running for one lease. */
  heartbeat(names: { activities: readonly string[]; orchestrations: readonly string[] }, now: number): Promise<void> {
    return this.store.workerAlive(this.workerId, names, this.leaseMs, now);
  }

  /** Extends the leases held here to one lease from `now`; answers the tasks whose instance ended. */
  renew(instanceLeases: readonly InstanceLease[], taskTokens: readonly string[], now: number): Promise<{ endedTaskTokens: string[] }> {
    return this.store.renewLeases(instanceLeases, taskTokens, now, this.leaseMs);
  }
}
