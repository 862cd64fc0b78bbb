/**
 * The embedded store: one SQLite file in WAL mode, driven synchronously by better-sqlite3.
 * Each method is one transaction; `commit` applies a whole batch of ops in one transaction
 * (one fsync), which is how the worker's group commit amortizes durability.
 *
 * Every entry point names the faults of the file (driver-faults.ts): a full disk rejects with
 * StoreFullError, a damaged file with StoreCorruptError. From the first sign of damage on, the
 * store writes nothing more to the file (reads are still attempted), and closes it without
 * checkpointing the WAL into it.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import {
  ClosedError,
  InstanceAlreadyExistsError,
  InstanceNotFinishedError,
  InstanceNotFailedError,
  InstanceNotFoundError,
  StoreCorruptError,
  StoreFullError,
  StoreUnavailableError,
  SchemaTooNewError,
} from "../../errors.js";
import type { EpisodeResult } from "../../engine/command.js";
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import { faultPoint } from "../../observability/fault-points.js";
import type {
  ActivityWorkItem,
  ClaimedWork,
  ClaimRequest,
  WorkClaim,
  CommitOp,
  CommitOutcome,
  CreateInstanceRequest,
  InstanceFilter,
  InstanceLease,
  InstanceRecord,
  OrchestrationWorkItem,
  PurgeFilter,
  RuntimeStatus,
  InstanceStore,
  WorkQueue,
  StoredMessage,
} from "../store.js";
import { outcomeMessage } from "../store.js";
import { assertOpenable, enableWal, migrate } from "./migrate.js";
import { SQL } from "./queries.js";
import { rowToInstance, type InstanceRow } from "../instance-row.js";
import { decodeToken, encodeToken } from "../continuation-token.js";
import { filterTerms, finishedOnly } from "../instance-filter.js";
import { rewindWrites } from "../plan/rewind.js";
import { episodeWrites, type EpisodeOp, type StartSubOrchestration } from "../plan/episode-writes.js";
import { nextGeneration } from "../plan/next-generation.js";
import { childIdTaken, childInstance } from "../plan/child-start.js";
import { childOutcome, parentTerminated, startMessage, timerFired } from "../plan/messages.js";
import { delivery, isFinished, restartRequest, type Suspension } from "../plan/instance-changes.js";
import { leaseExpiry } from "../plan/lease.js";
import type { NewTask } from "../plan/new-task.js";
import { rowToTask, type TaskRow } from "../task-row.js";
import { closeKeepingWal, probeTables } from "./damaged-file.js";
import { isCorruption, isDiskFull, namedFault, startsAsSqlite } from "./driver-faults.js";

export type SqliteSynchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA";

export interface SqliteStoreOptions {
  /** SQLite's `synchronous` setting; FULL (the default) fsyncs every commit. */
  synchronous?: SqliteSynchronous;
}

const MAX_WRITES_PER_TRANSACTION = 1000;
const BUSY_TIMEOUT_MS = 10_000;
/** How long a checkpoint after a full disk waits for other connections: the event loop waits with it. */
const CHECKPOINT_WAIT_MS = 200;

type WriteResult = { value: unknown } | { error: unknown };

type Statements = { [K in keyof typeof SQL]: Database.Statement };

export class SqliteStore implements InstanceStore, WorkQueue {
  private readonly db: Database.Database;
  private readonly sql: Statements;
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

  private constructor(
    readonly url: string,
    private readonly path: string,
    db: Database.Database,
    synchronous: SqliteSynchronous,
  ) {
    const syncsEveryCommit = synchronous === "FULL" || synchronous === "EXTRA";
    this.syncSwitch = syncsEveryCommit
      ? { lower: db.prepare("PRAGMA synchronous = NORMAL"), restore: db.prepare(`PRAGMA synchronous = ${synchronous}`) }
      : undefined;
    this.db = db;
    this.savepoint = db.transaction((apply: () => unknown) => apply()) as <T>(apply: () => T) => T;
    this.sql = Object.fromEntries(Object.entries(SQL).map(([key, text]) => [key, db.prepare(text)])) as Statements;
  }

  static open(url: string, path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      assertOpenable(db, path); // before any write, even the switch to WAL
      probeTables(db);
      enableWal(db);
      const synchronous = options.synchronous ?? "FULL";
      db.pragma(`synchronous = ${synchronous}`);
      migrate(db, Date.now());
      return new SqliteStore(url, path, db, synchronous);
    } catch (error) {
      const named = namedFault(error, path);
      const damaged = named instanceof StoreCorruptError && startsAsSqlite(path);
      if (db && damaged) closeKeepingWal(db, path);
      else db?.close();
      if (error instanceof SchemaTooNewError || named instanceof StoreFullError || damaged) throw named;
      const fix =
        named instanceof StoreCorruptError
          ? `Point the store URL at a Baton store or a new file; if this file is your store, its header is damaged: see "Damaged SQLite file" in docs/operations.md.`
          : "Check that the directory exists and is writable.";
      throw new StoreUnavailableError(`Cannot open the SQLite store at "${path}": ${(error as Error).message}. ${fix}`, { cause: error });
    }
  }

  async createInstance(request: CreateInstanceRequest, now: number): Promise<void> {
    return this.write(() => {
      const existing = this.sql.selectInstanceStatus.get(request.instanceId) as { runtime_status: string } | undefined;
      if (existing) {
        if (!request.reuseFinished || !isFinished(existing.runtime_status)) throw new InstanceAlreadyExistsError(request.instanceId);
        this.deleteInstance(request.instanceId);
      }
      this.insertNewInstance(request, now);
    });
  }

  async restartInstance(instanceId: string, executionId: string, now: number): Promise<void> {
    return this.write(() => {
      const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
      const request = restartRequest(instanceId, row, executionId, now);
      this.deleteInstance(instanceId);
      this.insertNewInstance(request, now);
    });
  }

  async rewindInstance(instanceId: string, reason: string | undefined, now: number): Promise<void> {
    return this.write(() => {
      const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
      if (!row) throw new InstanceNotFoundError(instanceId);
      if (row.runtime_status !== "Failed") throw new InstanceNotFailedError(instanceId, row.runtime_status);
      const segments = (this.sql.selectSegments.all(instanceId) as { first_position: number; events: string }[]).map((segment) => ({
        first: segment.first_position,
        events: JSON.parse(segment.events) as HistoryEvent[],
      }));
      const rewind = rewindWrites({ instanceId: row.instance_id, executionId: row.execution_id }, segments, reason, now);
      this.sql.deleteHistoryFrom.run(instanceId, 0);
      for (const segment of rewind.segments) this.sql.insertHistorySegment.run(instanceId, segment.first, JSON.stringify(segment.events), null);
      this.sql.rewoundInstance.run(rewind.historyLength, now, instanceId);
      for (const task of rewind.tasks) this.insertTask(task);
      for (const message of rewind.messages) this.sql.insertMessage.run(row.instance_id, JSON.stringify(message), now);
    });
  }

  async purgeInstances(filter: PurgeFilter, limit: number): Promise<number> {
    const runtimeStatus = finishedOnly(filter.runtimeStatus);
    if (runtimeStatus.length === 0) return 0;
    const params: unknown[] = [];
    const where = filterTerms({ ...filter, runtimeStatus }, (value) => (params.push(value), "?"));
    const select = this.read(() => this.db.prepare(`SELECT instance_id FROM instances WHERE ${where.join(" AND ")} LIMIT ?`));
    return this.write(() => {
      const ids = (select.all(...params, limit) as { instance_id: string }[]).map((row) => row.instance_id);
      for (const id of ids) this.deleteInstance(id);
      return ids.length;
    });
  }

  private insertNewInstance(request: CreateInstanceRequest, now: number): void {
    const startAt = Math.max(request.startAt, now);
    this.sql.insertInstance.run(request.instanceId, request.name, request.executionId, request.input ?? null, now, now, startAt);
    this.sql.insertMessage.run(request.instanceId, JSON.stringify(startMessage(request)), startAt);
  }

  private insertTask(task: NewTask): void {
    this.sql.insertTask.run(
      task.instanceId,
      task.executionId,
      task.seq,
      task.name,
      task.input ?? null,
      task.attempt,
      task.idempotencyKey,
      task.retry,
      task.visibleAt,
      task.visibleAt,
      task.lease?.owner ?? null,
      task.lease?.token ?? null,
      task.lease?.expiresAt ?? 0,
      task.timeoutMs ?? null,
    );
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | null> {
    const row = this.read(() => this.sql.selectInstance.get(instanceId) as InstanceRow | undefined);
    return row ? rowToInstance(row) : null;
  }

  async runtimeStatuses(instanceIds: readonly string[]): Promise<Map<string, RuntimeStatus>> {
    const rows = this.read(
      () => this.sql.selectRuntimeStatuses.all(JSON.stringify(instanceIds)) as { instance_id: string; runtime_status: RuntimeStatus }[],
    );
    return new Map(rows.map((row) => [row.instance_id, row.runtime_status]));
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const rows = this.read(() => this.sql.selectHistory.all(instanceId) as { events: string }[]);
    return rows.flatMap((row) => JSON.parse(row.events) as HistoryEvent[]);
  }

  async listInstances(filter: InstanceFilter): Promise<{ instances: InstanceRecord[]; continuationToken: string | undefined }> {
    const params: unknown[] = [];
    const where = filterTerms(filter, (value) => (params.push(value), "?"));
    if (filter.continuationToken !== undefined) {
      const [createdAt, instanceId] = decodeToken(filter.continuationToken);
      where.push("(created_at > ? OR (created_at = ? AND instance_id > ?))");
      params.push(createdAt, createdAt, instanceId);
    }
    const text =
      `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
      `ORDER BY created_at, instance_id LIMIT ?`;
    const rows = this.read(() => this.db.prepare(text).all(...params, filter.pageSize + 1) as InstanceRow[]);
    const page = rows.slice(0, filter.pageSize);
    const last = page[page.length - 1];
    const continuationToken = rows.length > filter.pageSize && last ? encodeToken([last.created_at, last.instance_id]) : undefined;
    return { instances: page.map(rowToInstance), continuationToken };
  }

  async sendMessage(instanceId: string, message: InboxMessage, now: number): Promise<void> {
    return this.write(() => {
      const row = this.sql.selectInstanceStatus.get(instanceId) as { runtime_status: string; start_at: number } | undefined;
      const plan = delivery(instanceId, row, message, now);
      if (plan.kind === "status") return this.changeSuspension(instanceId, plan.suspension, message, now);
      this.sql.insertMessage.run(instanceId, JSON.stringify(message), plan.visibleAt);
      if (plan.wakes) this.sql.wakeForTermination.run(now, instanceId);
    });
  }

  /** Suspends or resumes (see suspension() in plan/instance-changes.ts). */
  private changeSuspension(instanceId: string, suspension: Suspension, message: InboxMessage, now: number): void {
    if (suspension.change === "none") return;
    this.sql.setRuntimeStatus.run(suspension.status, now, instanceId);
    const visibleAt =
      suspension.messageAt === "suspension" ? ((this.sql.selectSuspendTime.get(instanceId) as { at: number | null }).at ?? now) : suspension.messageAt;
    this.sql.insertMessage.run(instanceId, JSON.stringify(message), visibleAt);
  }

  async purgeInstance(instanceId: string): Promise<boolean> {
    return this.write(() => {
      const row = this.sql.selectInstanceStatus.get(instanceId) as { runtime_status: string } | undefined;
      if (!row) return false;
      if (!isFinished(row.runtime_status)) throw new InstanceNotFinishedError(instanceId, row.runtime_status);
      this.deleteInstance(instanceId);
      return true;
    });
  }

  /**
   * Client writes made in one turn of the event loop share one transaction (one fsync). A
   * promise resolves only once the shared transaction has committed. Each write checks
   * before it writes, so it throws before changing anything; when one throws, the batch is
   * rolled back and run again with a savepoint per write, so that it fails alone.
   */
  private write<T>(apply: () => T): Promise<T> {
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

  private deleteInstance(instanceId: string): void {
    this.sql.deleteHistory.run(instanceId);
    this.sql.deleteInbox.run(instanceId);
    this.sql.deleteTasksOfInstance.run(instanceId);
    this.sql.deleteInstance.run(instanceId);
  }

  async announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void> {
    this.transact(() => {
      for (const name of names.activities) this.sql.upsertFunction.run("activity", name, workerId, now);
      for (const name of names.orchestrations) this.sql.upsertFunction.run("orchestration", name, workerId, now);
    });
  }

  async workerAlive(
    workerId: string,
    names: { activities: readonly string[]; orchestrations: readonly string[] },
    leaseMs: number,
    now: number,
  ): Promise<void> {
    this.leaseOnly(() =>
      this.transact(() => this.sql.upsertWorker.run(workerId, JSON.stringify(names.activities), JSON.stringify(names.orchestrations), now, leaseMs)),
    );
  }

  async deleteOrphanedTasks(now: number, limit: number): Promise<number> {
    return this.transact(() => this.sql.deleteOrphanedTasks.run(now, limit).changes);
  }

  async workerStopped(workerId: string): Promise<void> {
    this.transact(() => this.sql.deleteWorker.run(workerId));
  }

  async unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }> {
    return this.read(() => this.unhostedWorkOf(instanceId, now));
  }

  private unhostedWorkOf(instanceId: string, now: number): { orchestration?: string; activities: string[] } {
    const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
    if (!row || !["Pending", "Running"].includes(row.runtime_status)) return { activities: [] };
    const hosted = { activities: new Set<string>(), orchestrations: new Set<string>() };
    for (const worker of this.sql.selectLiveWorkers.all(now) as { activities: string; orchestrations: string }[]) {
      for (const name of JSON.parse(worker.activities) as string[]) hosted.activities.add(name);
      for (const name of JSON.parse(worker.orchestrations) as string[]) hosted.orchestrations.add(name);
    }
    const queued = (this.sql.selectQueuedTaskNames.all(instanceId, row.execution_id, now) as { name: string }[]).map((r) => r.name);
    return {
      ...(hosted.orchestrations.has(row.name) ? {} : { orchestration: row.name }),
      activities: queued.filter((name) => !hosted.activities.has(name)).sort(),
    };
  }

  async knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }> {
    const rows = this.read(() => this.sql.selectFunctions.all() as { kind: string; name: string }[]);
    return {
      activities: rows.filter((r) => r.kind === "activity").map((r) => r.name),
      orchestrations: rows.filter((r) => r.kind === "orchestration").map((r) => r.name),
    };
  }

  async claim(request: WorkClaim): Promise<ClaimedWork> {
    if (request.orchestrations.limit <= 0 && request.activities.limit <= 0) return { orchestrations: [], activities: [] };
    return this.leaseOnly(() => this.transact(() => this.claimInTransaction(request)));
  }

  /**
   * Runs a transaction that writes only leases without an fsync of its own: a lease lost in
   * a power failure belonged to a worker that died with it, and the next durable commit
   * syncs the log up to and including it. Nothing acknowledged depends on it alone.
   */
  private leaseOnly<T>(transaction: () => T): T {
    if (!this.syncSwitch) return transaction();
    this.syncSwitch.lower.run();
    try {
      return transaction();
    } finally {
      this.syncSwitch.restore.run();
    }
  }

  private claimInTransaction(request: WorkClaim): ClaimedWork {
    // Every lease below counts from this moment or later: the earliest of them ends no sooner.
    const leasesExpireAt = leaseExpiry(request.orchestrations.now, Math.min(request.orchestrations.leaseMs, request.activities.leaseMs));
    return { orchestrations: this.claimOrchestrations(request.orchestrations), activities: this.claimActivities(request.activities), leasesExpireAt };
  }

  private claimOrchestrations(request: WorkClaim["orchestrations"]): OrchestrationWorkItem[] {
    if (request.limit <= 0 || request.names.length === 0) return [];
    const { now } = request;
    const candidates = this.sql.selectClaimableInstances.all(
      now,
      JSON.stringify(request.names),
      now,
      now,
      request.stalledBefore,
      request.limit,
    ) as { instance_id: string; name: string; execution_id: string; history_length: number }[];
    if (candidates.length === 0) return [];
    const tokens = candidates.map(() => randomUUID());
    this.sql.leaseInstances.run(
      request.workerId,
      leaseExpiry(now, request.leaseMs),
      JSON.stringify(candidates.map((row, i) => [row.instance_id, tokens[i]])),
    );
    const messages = new Map<string, StoredMessage[]>();
    const rows = this.sql.selectVisibleMessagesOf.all(JSON.stringify(candidates.map((row) => row.instance_id)), now, request.maxMessages) as {
      instance_id: string;
      id: number;
      message: string;
    }[];
    for (const row of rows) {
      let list = messages.get(row.instance_id);
      if (!list) messages.set(row.instance_id, (list = []));
      list.push({ id: row.id, message: JSON.parse(row.message) as InboxMessage });
    }
    return candidates.map((row, i) => ({
      instanceId: row.instance_id,
      name: row.name,
      executionId: row.execution_id,
      historyLength: row.history_length,
      leaseToken: tokens[i]!,
      messages: messages.get(row.instance_id) ?? [],
    }));
  }

  private claimActivities(request: ClaimRequest): ActivityWorkItem[] {
    if (request.limit <= 0 || request.names.length === 0) return [];
    const { now } = request;
    const caps = request.concurrency ?? {};
    const free = request.names.filter((name) => caps[name] === undefined);
    const capped = request.names.filter((name) => caps[name] !== undefined);
    const rows = free.length > 0 ? (this.sql.selectClaimableTasks.all(now, now, JSON.stringify(free), request.limit) as TaskRow[]) : [];
    if (capped.length > 0 && rows.length < request.limit) {
      // Counted inside the claim's write transaction: no other worker claims in between.
      const running = new Map(
        (this.sql.countRunningTasks.all(now, JSON.stringify(capped)) as { name: string; n: number }[]).map((r) => [r.name, r.n]),
      );
      for (const name of capped) {
        const room = Math.min(caps[name]! - (running.get(name) ?? 0), request.limit - rows.length);
        if (room > 0) rows.push(...(this.sql.selectClaimableTasks.all(now, now, JSON.stringify([name]), room) as TaskRow[]));
      }
    }
    return rows.map((row) => {
      const leaseToken = randomUUID();
      this.sql.leaseTask.run(request.workerId, leaseToken, leaseExpiry(now, request.leaseMs), row.id);
      return rowToTask(row, leaseToken);
    });
  }

  async renewLeases(
    instanceLeases: readonly InstanceLease[],
    taskTokens: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<{ endedTaskTokens: string[] }> {
    if (instanceLeases.length === 0 && taskTokens.length === 0) return { endedTaskTokens: [] };
    const instanceTokens = instanceLeases.map((lease) => lease.leaseToken);
    // An immediate transaction takes the write lock first, so the expiry is computed once it is held.
    this.leaseOnly(() =>
      this.transact(() => {
        const leaseExpiresAt = leaseExpiry(now, leaseMs);
        if (instanceTokens.length) this.sql.renewInstanceLeases.run(leaseExpiresAt, JSON.stringify(instanceTokens));
        if (taskTokens.length) this.sql.renewTaskLeases.run(leaseExpiresAt, JSON.stringify(taskTokens));
      }),
    );
    if (taskTokens.length === 0) return { endedTaskTokens: [] };
    const ended = this.read(() => this.sql.selectEndedTaskTokens.all(JSON.stringify(taskTokens)) as { lease_token: string }[]);
    return { endedTaskTokens: ended.map((row) => row.lease_token) };
  }

  async commit(ops: readonly CommitOp[], now: number, claim?: WorkClaim): Promise<{ outcomes: CommitOutcome[]; claimed: ClaimedWork }> {
    const result = this.transact(() => {
      const outcomes = ops.map((op) => this.applyOp(op, now));
      const claimed = claim ? this.claimInTransaction(claim) : { orchestrations: [], activities: [] };
      faultPoint("before-commit");
      return { outcomes, claimed };
    });
    faultPoint("after-commit");
    return result;
  }

  private applyOp(op: CommitOp, now: number): CommitOutcome {
    switch (op.type) {
      case "episode":
        return this.commitEpisode(op, now);
      case "stall": {
        const changed = this.sql.stallInstance.run(op.code, op.message, now, now, op.instanceId, op.leaseToken).changes;
        return changed ? "ok" : "leaseLost";
      }
      case "releaseInstance":
        return this.sql.releaseInstance.run(op.instanceId, op.leaseToken).changes ? "ok" : "leaseLost";
      case "activityCompleted":
      case "activityFailed": {
        const { task } = op;
        if (!this.sql.deleteLeasedTask.run(task.leaseToken).changes) return "leaseLost";
        this.sql.insertMessageIfLive.run(task.instanceId, JSON.stringify(outcomeMessage(op)), now, task.instanceId, task.executionId);
        return "ok";
      }
      case "activityRetry": {
        const { task } = op;
        const changed = this.sql.retryTask.run(task.attempt + 1, op.visibleAt, JSON.stringify(op.error), op.heartbeatDetails ?? null, task.leaseToken);
        return changed.changes ? "ok" : "leaseLost";
      }
      case "releaseActivity":
        return this.sql.releaseTask.run(op.task.leaseToken).changes ? "ok" : "leaseLost";
    }
  }

  private commitEpisode(op: EpisodeOp, now: number): CommitOutcome {
    const { result } = op;
    if (result.runtimeStatus === "ContinuedAsNew") return this.startNextGeneration(op, now);
    const updated = this.sql.updateInstanceAfterEpisode.run({
      status: result.runtimeStatus,
      output: result.output ?? null,
      failure: result.failure ? JSON.stringify(result.failure) : null,
      customStatusChanged: result.customStatus ? 1 : 0,
      customStatus: result.customStatus?.value ?? null,
      added: result.newEvents.length,
      now,
      instanceId: op.instanceId,
      leaseToken: op.leaseToken,
      historyLengthBefore: op.historyLengthBefore,
      consumed: JSON.stringify(op.consumedMessageIds),
    });
    if (!updated.changes) {
      // The same op committed before (its segment is there under its lease token): applied.
      return this.sql.selectSegmentOfLease.get(op.instanceId, op.historyLengthBefore, op.leaseToken) ? "ok" : "leaseLost";
    }
    if (result.newEvents.length > 0) {
      this.sql.insertHistorySegment.run(op.instanceId, op.historyLengthBefore, JSON.stringify(result.newEvents), op.leaseToken);
    }
    if (result.runtimeStatus !== "Running") {
      this.sql.deleteInbox.run(op.instanceId); // the consumed messages and any left over
      this.sql.deleteUnleasedTasksOfInstance.run(op.instanceId, now);
      this.reportToParent(op.instanceId, result, now);
      if (result.runtimeStatus === "Terminated") this.terminateChildren(op.instanceId, op.executionId, now);
    } else {
      for (const id of op.consumedMessageIds) this.sql.deleteMessage.run(id);
    }
    const writes = episodeWrites(op, now);
    for (const task of writes.tasks) this.insertTask(task);
    for (const timer of writes.timers) this.sql.insertMessage.run(op.instanceId, JSON.stringify(timerFired(timer.seq)), timer.fireAt);
    for (const seq of writes.cancelledTimers) this.sql.deleteTimerMessage.run(op.instanceId, seq);
    for (const command of writes.children) this.startChild(op, command, now);
    return "ok";
  }

  /** continueAsNew (see plan/next-generation.ts). */
  private startNextGeneration(op: EpisodeOp, now: number): CommitOutcome {
    const { result } = op;
    const updated = this.sql.startNextGeneration.run({
      executionId: op.newExecutionId!,
      input: result.continuedAsNew!.input ?? null,
      customStatusChanged: result.customStatus ? 1 : 0,
      customStatus: result.customStatus?.value ?? null,
      now,
      instanceId: op.instanceId,
      leaseToken: op.leaseToken,
      historyLengthBefore: op.historyLengthBefore,
      consumed: JSON.stringify(op.consumedMessageIds),
    });
    if (!updated.changes) {
      // Applied before (a retry of this op): the instance already runs the execution id it chose.
      const current = this.sql.selectInstance.get(op.instanceId) as InstanceRow | undefined;
      return current?.execution_id === op.newExecutionId ? "ok" : "leaseLost";
    }
    const row = this.sql.selectInstance.get(op.instanceId) as InstanceRow;
    const next = nextGeneration(op, row.name, now);
    this.sql.deleteHistory.run(op.instanceId);
    for (const id of op.consumedMessageIds) this.sql.deleteMessage.run(id);
    this.sql.deleteMessagesOfTypes.run(op.instanceId, JSON.stringify(next.droppedTypes));
    this.sql.deleteUnleasedTasksOfInstance.run(op.instanceId, now);
    for (const message of next.messages) this.sql.insertMessage.run(op.instanceId, JSON.stringify(message), 0);
    for (const command of next.children) this.startChild(op, command, now);
    return "ok";
  }

  /** Creates a child instance, or fails the parent's call if its id is taken (see plan/child-start.ts). */
  private startChild(op: EpisodeOp, command: StartSubOrchestration, now: number): void {
    if (this.sql.selectInstanceStatus.get(command.instanceId)) {
      const failed = childIdTaken(op, command);
      if (failed) this.sql.insertMessage.run(op.instanceId, JSON.stringify(failed), now);
      return;
    }
    const child = childInstance(op, command, randomUUID(), now);
    this.sql.insertChildInstance.run(
      child.instanceId,
      child.name,
      child.executionId,
      child.input ?? null,
      now,
      now,
      now,
      child.parentInstanceId,
      child.parentExecutionId,
      child.parentSeq,
    );
    this.sql.insertMessage.run(child.instanceId, JSON.stringify(child.started), now);
  }

  /** A child that ended tells its parent's call (if that execution still runs). */
  private reportToParent(instanceId: string, result: EpisodeResult, now: number): void {
    const parent = this.sql.selectParent.get(instanceId) as
      | { parent_instance_id: string; parent_execution_id: string; parent_seq: number }
      | undefined;
    if (!parent) return;
    const message = childOutcome(parent.parent_seq, result);
    this.sql.insertMessageIfLive.run(
      parent.parent_instance_id,
      JSON.stringify(message),
      now,
      parent.parent_instance_id,
      parent.parent_execution_id,
    );
  }

  /** Terminating a parent terminates its running children (and, in turn, theirs). */
  private terminateChildren(instanceId: string, executionId: string, now: number): void {
    const children = this.sql.selectLiveChildren.all(instanceId, executionId) as { instance_id: string }[];
    for (const { instance_id: child } of children) {
      this.sql.insertMessage.run(child, JSON.stringify(parentTerminated(instanceId)), now);
      this.sql.wakeForTermination.run(now, child);
    }
  }

  async nextVisibleAt(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): Promise<number | null> {
    return this.read(() => this.nextVisibleAtOf(orchestrationNames, activityNames, now));
  }

  private nextVisibleAtOf(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): number | null {
    const inbox = orchestrationNames.length
      ? (this.sql.nextInboxVisibleAt.get(now, JSON.stringify(orchestrationNames)) as { at: number | null }).at
      : null;
    const tasks = activityNames.length
      ? (this.sql.nextTaskVisibleAt.get(now, JSON.stringify(activityNames)) as { at: number | null }).at
      : null;
    if (inbox === null) return tasks;
    if (tasks === null) return inbox;
    return Math.min(inbox, tasks);
  }

  /** Raw access for tests and tools that must inspect the file (e.g. comparing contents). */
  get database(): Database.Database {
    return this.db;
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
  private transact<T>(body: () => T): T {
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
  private read<T>(body: () => T): T {
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
