/**
 * How the worker meets a store that refuses its writes: for a while (the disk is full) or for
 * good (the file is damaged). Each kind of background write reports here its failures of these
 * two kinds, and its successes. (Other failures, such as a lost PostgreSQL connection, are the
 * store's to retry and their callers' to log: they do not come here.)
 *
 * States:
 * - writable: writes succeed.
 * - full: a write failed with StoreFullError. Said once in the log; every failed write waits a
 *   capped exponential backoff before it is tried again. Back to writable once every kind of
 *   write that failed has succeeded since (said once too).
 * - damaged: a call failed with StoreCorruptError. Said once; `onDamaged` stops the worker's
 *   claims for good. Final.
 */
import type { Logger } from "../definitions/logger.js";
import { StoreCorruptError, StoreFullError } from "../errors.js";

/** The background writes of a worker, each with its own retry schedule. */
export type BackgroundWrite = "claim" | "commit" | "heartbeat" | "lease renewal";

/** The first pause after a failed write; it doubles with each failure in a row, up to the cap. */
export const FIRST_RETRY_MS = 50;
/** The longest pause: once space returns, work resumes within this long. */
export const MAX_RETRY_MS = 2_000;

export class StoreFaults {
  private readonly failuresInARow = new Map<BackgroundWrite, number>();
  /** When each kind of write that failed may be tried again. */
  private readonly retryAt = new Map<BackgroundWrite, number>();
  /** The kinds of write whose latest try met a full disk. */
  private readonly full = new Set<BackgroundWrite>();
  private damaged = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly onDamaged: () => void,
  ) {}

  /** Whether the store was found damaged: the worker claims nothing more. */
  get isDamaged(): boolean {
    return this.damaged;
  }

  /** The store refuses writes for want of space (some kind of write has not succeeded since). */
  get isFull(): boolean {
    return this.full.size > 0;
  }

  /** When a write of this kind may be tried next (its backoff after a failure), or 0. */
  nextTryAt(write: BackgroundWrite): number {
    return this.retryAt.get(write) ?? 0;
  }

  /** A write of this kind failed for a store fault: how long to wait before trying it again. */
  failed(write: BackgroundWrite, error: StoreFullError | StoreCorruptError): number {
    const failures = (this.failuresInARow.get(write) ?? 0) + 1;
    this.failuresInARow.set(write, failures);
    if (error instanceof StoreFullError) this.markFull(write, error);
    if (error instanceof StoreCorruptError) this.markDamaged(error);
    const delayMs = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30), MAX_RETRY_MS);
    this.retryAt.set(write, this.now() + delayMs);
    return delayMs;
  }

  /**
   * How long a group commit that failed with `error` waits before it is tried again: only a
   * full disk passes. Undefined rejects the batch (its episodes are redone).
   */
  commitRetryDelay(error: unknown): number | undefined {
    if (!isStoreFault(error)) return undefined;
    const delayMs = this.failed("commit", error);
    return error instanceof StoreFullError ? delayMs : undefined;
  }

  /** A write of this kind succeeded. */
  succeeded(write: BackgroundWrite): void {
    this.failuresInARow.delete(write);
    this.retryAt.delete(write);
    if (!this.full.delete(write) || this.full.size > 0) return;
    this.logger.info("the store accepts writes again (the disk has space); claims, commits and heartbeats resume");
  }

  private markFull(write: BackgroundWrite, error: StoreFullError): void {
    if (this.full.size === 0) {
      this.logger.error(
        "the disk holding the store is full: nothing more can be written. Free space on that disk; " +
          "until then claims, commits and heartbeats are retried with backoff, and the worker resumes on its own. " +
          "Work already acknowledged is kept.",
        { path: error.path, maxRetryMs: MAX_RETRY_MS },
      );
    }
    this.full.add(write);
  }

  private markDamaged(error: StoreCorruptError): void {
    if (this.damaged) return;
    this.damaged = true;
    this.logger.error("the store is damaged: this worker stops claiming work; stop the process and recover the file", { err: error });
    this.onDamaged();
  }
}

/** Whether an error is one of the store's own faults, which StoreFaults reports (once) for everyone. */
export function isStoreFault(error: unknown): error is StoreFullError | StoreCorruptError {
  return error instanceof StoreFullError || error instanceof StoreCorruptError;
}
