/**
 * How the SQLite store runs its work against the file: client writes of one event-loop turn
 * batched into one transaction, immediate (write-locked) transactions for the worker's calls,
 * lease-only transactions without an fsync of their own, reads, and the faults of the file
 * named (driver-faults.ts). From the first sign of damage on, nothing more is written to the
 * file (reads are still attempted), and it is closed without checkpointing the WAL into it.
 */
import type Database from "better-sqlite3";
import { ClosedError, StoreCorruptError, StoreFullError } from "../../errors.js";
import { closeKeepingWal } from "./damaged-file.js";
import { isCorruption, isDiskFull, namedFault } from "./driver-faults.js";
import type { SqliteSynchronous } from "./sqlite-store.js";

const MAX_WRITES_PER_TRANSACTION = 1000;
export const BUSY_TIMEOUT_MS = 10_000;
/** How long a checkpoint after a full disk waits for other connections: the event loop waits with it. */
const CHECKPOINT_WAIT_MS = 200;

type WriteResult = { value: unknown } | { error: unknown };

export class SqliteTransactions {
  private closed = false;
  /** The first sign that the file is damaged: from then on nothing is written to it. */
  private damage: StoreCorruptError | undefined;
  /** A write met a full disk and the WAL could not be checkpointed then: do it after the next write that succeeds. */
  private walToCheckpoint = false;
  private readonly pendingWrites: { apply: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  /** Inside a transaction, better-sqlite3 runs a nested transaction function as a savepoint. */
  private readonly savepoint: <T>(apply: () => T) => T;

  /** Prepared once: db.pragma() would prepare a statement on every call. */
  private readonly syncSwitch: { lower: Database.Statement; restore: Database.Statement } | undefined;

  constructor(
    readonly db: Database.Database,
    private readonly path: string,
    synchronous: SqliteSynchronous,
  ) {
    const syncsEveryCommit = synchronous === "FULL" || synchronous === "EXTRA";
    this.syncSwitch = syncsEveryCommit
      ? { lower: db.prepare("PRAGMA synchronous = NORMAL"), restore: db.prepare(`PRAGMA synchronous = ${synchronous}`) }
      : undefined;
    this.savepoint = db.transaction((apply: () => unknown) => apply()) as <T>(apply: () => T) => T;
  }

  /**
   * Client writes made in one turn of the event loop share one transaction (one fsync). A
   * promise resolves only once the shared transaction has committed. Each write checks
   * before it writes, so it throws before changing anything; when one throws, the batch is
   * rolled back and run again with a savepoint per write, so that it fails alone.
   */
  write<T>(apply: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError("The store is closed."));
    if (this.damage) return Promise.reject(this.refusal(this.damage));
    return new Promise<T>((resolve, reject) => {
      this.pendingWrites.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (this.pendingWrites.length === 1) setImmediate(() => this.flushWrites());
    });
  }
  private flushWrites(): void {
    const batch = this.pendingWrites.splice(0, MAX_WRITES_PER_TRANSACTION);
    if (this.pendingWrites.length > 0) setImmediate(() => this.flushWrites());
    if (batch.length === 0) return;
    let results: WriteResult[];
    try {
      try {
        results = this.transact(() => batch.map(({ apply }) => ({ value: apply() })));
      } catch (error) {
        // The file refused the batch as a whole: no write of it can succeed on its own.
        if (error instanceof StoreFullError || error instanceof StoreCorruptError) throw error;
        results = this.transact(() =>
          batch.map(({ apply }): WriteResult => {
            try {
              return { value: this.savepoint(apply) };
            } catch (failure) {
              // Not this write's own fault: none of the batch is written.
              if (isDiskFull(failure) || isCorruption(failure)) throw failure;
              return { error: failure };
            }
          }),
        );
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const result = results[i]!;
      if ("error" in result) reject(result.error);
      else resolve(result.value);
    });
  }
  /**
   * Runs a transaction that writes only leases without an fsync of its own: a lease lost in
   * a power failure belonged to a worker that died with it, and the next durable commit
   * syncs the log up to and including it. Nothing acknowledged depends on it alone.
   */
  leaseOnly<T>(transaction: () => T): T {
    if (!this.syncSwitch) return transaction();
    this.syncSwitch.lower.run();
    try {
      return transaction();
    } finally {
      this.syncSwitch.restore.run();
    }
  }
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.pendingWrites.length > 0) this.flushWrites(); // writes already accepted still land
    this.closed = true;
    if (this.damage) closeKeepingWal(this.db, this.path);
    else this.db.close();
  }
  /**
   * Runs `body` in an immediate (write-locked) transaction. On SQLITE_FULL the WAL is
   * checkpointed into the main file and truncated, and the transaction is tried once more: SQLite
   * checkpoints on its own only once the WAL reaches 1000 pages (about 4 MB), which a small disk
   * may never hold, and its automatic checkpoint fails silently when the main file cannot grow.
   * Without this, every commit, claim and lease renewal grows the WAL until the disk is full,
   * and frees none of it when space returns. When the checkpoint itself finds no room, it is
   * done after the first write that succeeds again: the WAL then holds most of the store, and
   * the space it takes is given back while there is some.
   */
  transact<T>(body: () => T): T {
    if (this.damage) throw this.refusal(this.damage);
    const run = (): T => this.db.transaction(body).immediate();
    let result: T;
    try {
      result = run();
    } catch (error) {
      if (!isDiskFull(error)) throw this.fault(error);
      this.walToCheckpoint = !this.checkpointWal();
      if (this.walToCheckpoint) throw this.fault(error);
      try {
        result = run();
      } catch (again) {
        throw this.fault(again);
      }
    }
    if (this.walToCheckpoint) this.walToCheckpoint = !this.checkpointWal();
    return result;
  }
  /** Runs a read, naming the faults of the file. */
  read<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw this.fault(error);
    }
  }
  /** The named error for a failure; the first sign of damage also stops every later write. */
  private fault(error: unknown): unknown {
    const named = namedFault(error, this.path);
    if (named instanceof StoreCorruptError) this.damage ??= named;
    return named;
  }
  /** A write refused because the file was found damaged earlier: nothing was attempted. */
  private refusal(damage: StoreCorruptError): StoreCorruptError {
    return new StoreCorruptError(this.path, damage.detail, { cause: damage });
  }
  /**
   * Moves the whole WAL into the main file and truncates it to zero bytes, freeing its space.
   * Waits at most CHECKPOINT_WAIT_MS for other connections. True when it checkpointed it all.
   */
  private checkpointWal(): boolean {
    try {
      this.db.pragma(`busy_timeout = ${CHECKPOINT_WAIT_MS}`);
      const [result] = this.db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
      return result?.busy === 0;
    } catch {
      return false; // still no room for the main file to grow
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }
}
