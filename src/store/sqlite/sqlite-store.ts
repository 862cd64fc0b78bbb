/**
 * The embedded store: one SQLite file in WAL mode, driven synchronously by better-sqlite3.
 * Each method is one transaction; `commit` applies a whole batch of ops in one transaction
 * (one fsync), which is how the worker's group commit amortizes durability. What to write is
 * decided in plan/; the statements are in queries.ts, the commit's ops in episode-commit.ts,
 * claims in claim.ts, and how transactions meet the file (batching, faults) in transactions.ts.
 *
 * Every entry point names the faults of the file (driver-faults.ts): a full disk rejects with
 * StoreFullError, a damaged file with StoreCorruptError.
 */
import Database from "better-sqlite3";
import {
  InstanceAlreadyExistsError,
  InstanceNotFinishedError,
  StoreCorruptError,
  StoreFullError,
  StoreUnavailableError,
  SchemaTooNewError,
} from "../../errors.js";
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import { faultPoint } from "../../observability/fault-points.js";
import type {
  ClaimedWork,
  CommitOp,
  CommitOutcome,
  CreateInstanceRequest,
  InstanceFilter,
  InstanceLease,
  InstanceRecord,
  InstanceStore,
  PendingWorkRecord,
  PurgeFilter,
  RuntimeStatus,
  WorkClaim,
  WorkQueue,
} from "../store.js";
import { instanceCounts, readyWorkOf, type InstanceCounts, type ReadyWork } from "../workload.js";
import { LIVE_STATUSES } from "../store.js";
import { decodeToken } from "../continuation-token.js";
import {
  eventsInRange,
  instanceChange,
  statusCounts,
  statusesToCount,
  workerRecord,
  type InstanceChange,
  type StatusCounts,
  type WorkerRecord,
} from "../dashboard-reads.js";
import { filterTerms, finishedOnly, pageOf } from "../instance-filter.js";
import { rowToInstance, type InstanceRow } from "../instance-row.js";
import { delivery, isFinished, restartRequest, type Suspension } from "../plan/instance-changes.js";
import { leaseExpiry, type Clock } from "../plan/lease.js";
import { startMessage } from "../plan/messages.js";
import { assertRewindable, rewindWrites } from "../plan/rewind.js";
import { pendingWork, type PendingRows } from "../plan/pending-work.js";
import { functionsByKind, unhostedWork, waitsForWorkers } from "../plan/unhosted-work.js";
import { claimInTransaction, nextVisibleAtOf } from "./claim.js";
import { applyOp, insertTask } from "./episode-commit.js";
import { assertOpenable, enableWal, migrate } from "./migrate.js";
import { SQL, type Statements } from "./queries.js";
import { BUSY_TIMEOUT_MS, SqliteTransactions } from "./transactions.js";
import { closeKeepingWal, probeTables } from "./damaged-file.js";
import { namedFault, startsAsSqlite } from "./driver-faults.js";

export type SqliteSynchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA";

export interface SqliteStoreOptions {
  /** SQLite's `synchronous` setting; FULL (the default) fsyncs every commit. */
  synchronous?: SqliteSynchronous;
  /** Where the store reads the time a lease starts from (see plan/lease.ts); Date.now by default. */
  clock?: Clock;
}

export class SqliteStore implements InstanceStore, WorkQueue {
  private readonly sql: Statements;
  private readonly file: SqliteTransactions;

  private constructor(
    readonly url: string,
    path: string,
    db: Database.Database,
    synchronous: SqliteSynchronous,
    private readonly clock: Clock,
  ) {
    this.file = new SqliteTransactions(db, path, synchronous);
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
      const clock = options.clock ?? Date.now;
      migrate(db, clock());
      return new SqliteStore(url, path, db, synchronous, clock);
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
    return this.file.write(() => {
      const existing = this.sql.selectInstanceStatus.get(request.instanceId) as { runtime_status: string } | undefined;
      if (existing) {
        if (!request.reuseFinished || !isFinished(existing.runtime_status)) throw new InstanceAlreadyExistsError(request.instanceId);
        this.deleteInstance(request.instanceId);
      }
      this.insertNewInstance(request, now);
    });
  }

  async restartInstance(instanceId: string, executionId: string, now: number, traceContext?: string): Promise<void> {
    return this.file.write(() => {
      const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
      const request = restartRequest(instanceId, row, executionId, now, traceContext);
      this.deleteInstance(instanceId);
      this.insertNewInstance(request, now);
    });
  }

  async rewindInstance(instanceId: string, reason: string | undefined, now: number): Promise<void> {
    return this.file.write(() => {
      const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
      assertRewindable(instanceId, row);
      const segments = (this.sql.selectSegments.all(instanceId) as { first_position: number; events: string }[]).map((segment) => ({
        first: segment.first_position,
        events: JSON.parse(segment.events) as HistoryEvent[],
      }));
      const rewind = rewindWrites({ instanceId: row.instance_id, executionId: row.execution_id, traceContext: row.trace_context ?? undefined }, segments, reason, now);
      this.sql.deleteHistoryFrom.run(instanceId, 0);
      for (const segment of rewind.segments) this.sql.insertHistorySegment.run(instanceId, segment.first, JSON.stringify(segment.events), null);
      this.sql.rewoundInstance.run(rewind.historyLength, now, instanceId);
      for (const task of rewind.tasks) insertTask(this.sql, task);
      for (const message of rewind.messages) this.sql.insertMessage.run(row.instance_id, JSON.stringify(message), now);
    });
  }

  async purgeInstances(filter: PurgeFilter, limit: number): Promise<number> {
    const runtimeStatus = finishedOnly(filter.runtimeStatus);
    if (runtimeStatus.length === 0) return 0;
    const params: unknown[] = [];
    const where = filterTerms({ ...filter, runtimeStatus }, (value) => (params.push(value), "?"), ID_BYTES);
    const select = this.file.read(() => this.file.db.prepare(`SELECT instance_id FROM instances WHERE ${where.join(" AND ")} LIMIT ?`));
    return this.file.write(() => {
      const ids = (select.all(...params, limit) as { instance_id: string }[]).map((row) => row.instance_id);
      for (const id of ids) this.deleteInstance(id);
      return ids.length;
    });
  }

  private insertNewInstance(request: CreateInstanceRequest, now: number): void {
    const startAt = Math.max(request.startAt, now);
    this.sql.insertInstance.run(request.instanceId, request.name, request.executionId, request.input ?? null, now, now, startAt, request.traceContext ?? null);
    this.sql.insertMessage.run(request.instanceId, JSON.stringify(startMessage(request)), startAt);
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | null> {
    const row = this.file.read(() => this.sql.selectInstance.get(instanceId) as InstanceRow | undefined);
    return row ? rowToInstance(row) : null;
  }

  async runtimeStatuses(instanceIds: readonly string[]): Promise<Map<string, RuntimeStatus>> {
    const rows = this.file.read(
      () => this.sql.selectRuntimeStatuses.all(JSON.stringify(instanceIds)) as { instance_id: string; runtime_status: RuntimeStatus }[],
    );
    return new Map(rows.map((row) => [row.instance_id, row.runtime_status]));
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const rows = this.file.read(() => this.sql.selectHistory.all(instanceId) as { events: string }[]);
    return rows.flatMap((row) => JSON.parse(row.events) as HistoryEvent[]);
  }

  async listInstances(filter: InstanceFilter): Promise<{ instances: InstanceRecord[]; continuationToken: string | undefined }> {
    const params: unknown[] = [];
    const where = filterTerms(filter, (value) => (params.push(value), "?"), ID_BYTES);
    if (filter.continuationToken !== undefined) {
      const [createdAt, instanceId] = decodeToken(filter.continuationToken);
      where.push("(created_at > ? OR (created_at = ? AND instance_id > ?))");
      params.push(createdAt, createdAt, instanceId);
    }
    const text =
      `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
      `ORDER BY created_at, instance_id LIMIT ?`;
    const rows = this.file.read(() => this.file.db.prepare(text).all(...params, filter.pageSize + 1) as InstanceRow[]);
    return pageOf(rows, filter.pageSize);
  }

  async sendMessage(instanceId: string, message: InboxMessage, now: number): Promise<void> {
    return this.file.write(() => {
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
    return this.file.write(() => {
      const row = this.sql.selectInstanceStatus.get(instanceId) as { runtime_status: string } | undefined;
      if (!row) return false;
      if (!isFinished(row.runtime_status)) throw new InstanceNotFinishedError(instanceId, row.runtime_status);
      this.deleteInstance(instanceId);
      return true;
    });
  }

  private deleteInstance(instanceId: string): void {
    this.sql.deleteHistory.run(instanceId);
    this.sql.deleteInbox.run(instanceId);
    this.sql.deleteTasksOfInstance.run(instanceId);
    this.sql.deleteInstance.run(instanceId);
  }

  async announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void> {
    this.file.transact(() => {
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
    this.file.leaseOnly(() =>
      this.file.transact(() => this.sql.upsertWorker.run(workerId, JSON.stringify(names.activities), JSON.stringify(names.orchestrations), now, leaseMs)),
    );
  }

  async deleteOrphanedTasks(now: number, limit: number): Promise<number> {
    return this.file.transact(() => this.sql.deleteOrphanedTasks.run(now, limit).changes);
  }

  async workerStopped(workerId: string): Promise<void> {
    this.file.transact(() => this.sql.deleteWorker.run(workerId));
  }

  async unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }> {
    return this.file.read(() => {
      const row = this.sql.selectInstance.get(instanceId) as InstanceRow | undefined;
      if (!row || !waitsForWorkers(row.runtime_status)) return { activities: [] };
      const workers = this.sql.selectLiveWorkers.all(now) as { activities: string; orchestrations: string }[];
      const queued = (this.sql.selectQueuedTaskNames.all(instanceId, row.execution_id, now) as { name: string }[]).map((r) => r.name);
      return unhostedWork(row, workers, queued);
    });
  }

  async readyWork(now: number): Promise<ReadyWork[]> {
    return this.file.read(() =>
      readyWorkOf(
        this.sql.readyOrchestrations.all(now, now, now) as { name: string; items: number; oldest: number }[],
        this.sql.readyActivities.all(now, now) as { name: string; items: number; oldest: number }[],
      ),
    );
  }

  async countInstances(): Promise<InstanceCounts> {
    type Row = { runtime_status: string; n: number };
    return this.file.read(() =>
      instanceCounts([...(this.sql.countLiveInstances.all() as Row[]), ...(this.sql.selectFinishedCounts.all() as Row[])]),
    );
  }

  async pendingWork(instanceId: string, now: number, limit: number): Promise<PendingWorkRecord | null> {
    return this.file.read(() => {
      const row = this.sql.selectInstance.get(instanceId) as (InstanceRow & { awaiting: string | null }) | undefined;
      if (!row || !LIVE_STATUSES.includes(row.runtime_status as RuntimeStatus)) return null;
      const rows: PendingRows = {
        awaiting: row.awaiting,
        tasks: this.sql.selectPendingTasks.all(instanceId, row.execution_id, limit + 1) as PendingRows["tasks"],
        timers: this.sql.selectPendingTimers.all(instanceId, limit + 1) as PendingRows["timers"],
        children: this.sql.selectPendingChildren.all(instanceId, row.execution_id, limit + 1) as PendingRows["children"],
      };
      return pendingWork(rows, now, limit);
    });
  }

  async knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }> {
    return functionsByKind(this.file.read(() => this.sql.selectFunctions.all() as { kind: string; name: string }[]));
  }

  async liveWorkers(now: number): Promise<WorkerRecord[]> {
    return this.file.read(() => (this.sql.selectWorkers.all(now) as Parameters<typeof workerRecord>[0][]).map(workerRecord));
  }

  async historyRange(instanceId: string, from: number, limit: number): Promise<{ events: HistoryEvent[]; total: number } | null> {
    return this.file.read(() => {
      const row = this.sql.selectHistoryLength.get(instanceId) as { history_length: number } | undefined;
      if (!row) return null;
      const segments = this.sql.selectSegmentsInRange.all({ instanceId, from, to: from + limit }) as { first_position: number; events: string }[];
      const parsed = segments.map((segment) => ({ first: segment.first_position, events: JSON.parse(segment.events) as HistoryEvent[] }));
      return { events: eventsInRange(parsed, from, limit), total: row.history_length };
    });
  }

  async countInstancesWhere(filter: PurgeFilter, cap: number): Promise<StatusCounts> {
    const rows = statusesToCount(filter.runtimeStatus).map((status) => {
      const params: unknown[] = [];
      const where = filterTerms({ ...filter, runtimeStatus: [status] }, (value) => (params.push(value), "?"), ID_BYTES);
      const text = `SELECT count(*) AS n FROM (SELECT 1 FROM instances WHERE ${where.join(" AND ")} LIMIT ?)`;
      params.push(cap);
      const { n } = this.file.read(() => this.file.db.prepare(text).get(...params) as { n: number });
      return { runtime_status: status, n };
    });
    return statusCounts(rows);
  }

  async changedSince(since: number, limit: number): Promise<InstanceChange[]> {
    return this.file.read(() => (this.sql.selectChangedSince.all(since, limit) as Parameters<typeof instanceChange>[0][]).map(instanceChange));
  }

  async claim(request: WorkClaim): Promise<ClaimedWork> {
    if (request.orchestrations.limit <= 0 && request.activities.limit <= 0) return { orchestrations: [], activities: [] };
    return this.file.leaseOnly(() => this.file.transact(() => claimInTransaction(this.sql, request, this.clock)));
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
    this.file.leaseOnly(() =>
      this.file.transact(() => {
        const leaseExpiresAt = leaseExpiry(now, leaseMs, this.clock);
        if (instanceTokens.length) this.sql.renewInstanceLeases.run(leaseExpiresAt, JSON.stringify(instanceTokens));
        if (taskTokens.length) this.sql.renewTaskLeases.run(leaseExpiresAt, JSON.stringify(taskTokens));
      }),
    );
    if (taskTokens.length === 0) return { endedTaskTokens: [] };
    const ended = this.file.read(() => this.sql.selectEndedTaskTokens.all(JSON.stringify(taskTokens)) as { lease_token: string }[]);
    return { endedTaskTokens: ended.map((row) => row.lease_token) };
  }

  async commit(ops: readonly CommitOp[], now: number, claim?: WorkClaim): Promise<{ outcomes: CommitOutcome[]; claimed: ClaimedWork }> {
    const result = this.file.transact(() => {
      const outcomes = ops.map((op) => applyOp(this.sql, op, now, this.clock));
      const claimed = claim ? claimInTransaction(this.sql, claim, this.clock) : { orchestrations: [], activities: [] };
      faultPoint("before-commit");
      return { outcomes, claimed };
    });
    faultPoint("after-commit");
    return result;
  }

  async nextVisibleAt(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): Promise<number | null> {
    return this.file.read(() => nextVisibleAtOf(this.sql, orchestrationNames, activityNames, now));
  }

  /** Raw access for tests and tools that must inspect the file (e.g. comparing contents). */
  get database(): Database.Database {
    return this.file.db;
  }

  close(): Promise<void> {
    return this.file.close();
  }

}

/** Ids in byte order: the primary key, in SQLite's BINARY collation (see filterTerms). */
const ID_BYTES = "instance_id";
