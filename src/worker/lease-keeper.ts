/**
 * Keeps this worker's leases alive, on one beat of a third of a lease: each beat says the
 * worker runs (the heartbeat that tells clients what is hosted), deletes now and then the tasks
 * that dead or fenced-off workers left leased on ended instances, and renews the leases of the
 * episodes and attempts in flight. The renewal also learns which attempts' instances ended in
 * another process: their signal fires (no one waits for their results any more).
 *
 * A store fault (store-faults.ts) delays the heartbeat and the renewal by their own backoff; a
 * damaged store stops both. One beat at a time: a slow store must not pile beats up on its
 * connections.
 */
import type { Logger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import { ActivityCancelledError } from "../errors.js";
import type { WorkQueue } from "../store/store.js";
import type { Leaseholder } from "./leaseholder.js";
import { clampedDelay } from "../support/long-timeout.js";
import type { Slots } from "./slots.js";
import { isStoreFault, type StoreFaults } from "./store-faults.js";

/**
 * A task leased to a worker that then died or lost it, of an instance that has ended meanwhile,
 * is never claimed again: workers delete such tasks this often (and when they stop), this many
 * at a time.
 */
const ORPHAN_SWEEP_EVERY_MS = 30_000;
const ORPHAN_SWEEP_LIMIT = 500;

export interface LeaseKeeperDeps {
  store: WorkQueue;
  registry: Registry;
  logger: Logger;
  now: () => number;
  leaseholder: Leaseholder;
  slots: Slots;
  faults: StoreFaults;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** When this worker next deletes tasks that dead or fenced-off workers left leased on ended instances. */
  private nextSweepAt = 0;

  constructor(private readonly deps: LeaseKeeperDeps) {}

  /** Says the worker runs (as of `at`), then beats every third of a lease until stop(). */
  async start(at: number): Promise<void> {
    const { leaseholder, registry } = this.deps;
    await leaseholder.heartbeat(registry.names(), at);
    // Renewing earlier than needed is harmless; a lease of months must not overflow the timer.
    const beatEveryMs = clampedDelay(Math.max(50, Math.floor(leaseholder.leaseMs / 3)));
    this.timer = setInterval(() => void this.beat(), beatEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Deletes tasks left leased on ended instances (the beat does it now and then; stop() once more). */
  async sweepOrphans(): Promise<void> {
    const { store, now, leaseholder, logger } = this.deps;
    this.nextSweepAt = now() + Math.max(ORPHAN_SWEEP_EVERY_MS, leaseholder.leaseMs);
    try {
      await store.deleteOrphanedTasks(now(), ORPHAN_SWEEP_LIMIT);
    } catch (error) {
      if (!isStoreFault(error)) logger.warn("deleting tasks of ended instances failed", { err: error });
    }
  }

  /** Renews the leases in flight now (unless the store is damaged or backing off). */
  async renewNow(): Promise<void> {
    const { faults, now } = this.deps;
    if (faults.isDamaged || faults.nextTryAt("lease renewal") > now()) return;
    await this.renew();
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beatOnce();
    } finally {
      this.beating = false;
    }
  }

  private async beatOnce(): Promise<void> {
    const { faults, now } = this.deps;
    if (faults.isDamaged) return;
    if (faults.nextTryAt("heartbeat") <= now()) await this.heartbeat();
    if (now() >= this.nextSweepAt) await this.sweepOrphans();
    if (faults.isDamaged || faults.nextTryAt("lease renewal") > now()) return;
    await this.renew();
  }

  private async heartbeat(): Promise<void> {
    const { leaseholder, registry, faults, logger, now } = this.deps;
    try {
      await leaseholder.heartbeat(registry.names(), now());
      faults.succeeded("heartbeat");
    } catch (error) {
      if (isStoreFault(error)) faults.failed("heartbeat", error);
      else logger.warn("heartbeat failed", { err: error });
    }
  }

  private async renew(): Promise<void> {
    const { leaseholder, slots, faults, logger, now } = this.deps;
    const instanceLeases = [...slots.heldEpisodes()].map(({ instanceId, leaseToken }) => ({ instanceId, leaseToken }));
    const taskTokens = [...slots.heldAttempts()].map(({ task }) => task.leaseToken);
    try {
      const { endedTaskTokens } = await leaseholder.renew(instanceLeases, taskTokens, now());
      faults.succeeded("lease renewal");
      // Instances ended by another process: tell their activities here that no one waits for them.
      for (const token of endedTaskTokens) {
        const running = slots.attempt(token);
        running?.abort.abort(new ActivityCancelledError(running.task.instanceId, running.task.name));
      }
    } catch (error) {
      if (isStoreFault(error)) faults.failed("lease renewal", error);
      else logger.warn("renewing leases failed", { err: error });
    }
  }
}
