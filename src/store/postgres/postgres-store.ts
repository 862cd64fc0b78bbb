/**
 * The PostgreSQL store: for many worker processes on many machines sharing one database.
 * Each method is one transaction (retried on transient failures); claims take rows with
 * FOR UPDATE SKIP LOCKED so workers never wait on each other's claims, and every commit is
 * fenced by lease token under the row lock, so a worker that lost its lease cannot commit.
 * Writes that make work visible are followed by a NOTIFY on the store's channel: a hint that
 * wakes idle workers elsewhere at once (polling still finds everything if a hint is lost).
 */
import { randomUUID } from "node:crypto";
import { BatonError, InstanceAlreadyExistsError, InstanceNotFinishedError, SchemaTooNewError, StoreFullError, StoreUnavailableError } from "../../errors.js";
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import { faultPoint } from "../../observability/fault-points.js";
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
import type { InstanceRow } from "../instance-row.js";
import type { EpisodeOp } from "../plan/episode-writes.js";
import type { Clock } from "../plan/lease.js";
import { delivery, isFinished, restartRequest, type Suspension } from "../plan/instance-changes.js";
import { startMessage } from "../plan/messages.js";
import { assertRewindable, rewindWrites } from "../plan/rewind.js";
import { pendingWork, type PendingRows } from "../plan/pending-work.js";
import { functionsByKind, unhostedWork, waitsForWorkers } from "../plan/unhosted-work.js";
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
  StoreHint,
  WorkClaim,
  WorkQueue,
} from "../store.js";
import { LIVE_STATUSES } from "../store.js";
import { redact } from "../redact-url.js";
import { claimAlone, claimWork, renewLeases } from "./claim.js";
import { insertEvents, insertStarts, readHistories, readInstances, type RaisedEvent, type StartRequest } from "./client-batches.js";
import { commitInPieces } from "./commit-in-pieces.js";
import { Connection, ConnectionCutError, type ConnectionOptions, type Sql, type TransactionOptions } from "./connection.js";
import { commitLoneEnd, commitOps } from "./group-commit.js";
import { HintListener } from "./hint-listener.js";
import { HintSender } from "./hint-sender.js";
import { migrate } from "./migrate.js";
import {
  countInstancesWhere,
  DELETE_SEGMENTS,
  INSERT_INSTANCE,
  INSERT_SEGMENTS,
  KNOWN_FUNCTIONS,
  listInstances,
  LIVE_WORKERS,
  lockPurgeable,
  LOCK_INSTANCE,
  LOCK_INSTANCE_STATUS,
  LOCK_INSTANCE_STATUS_AND_EXECUTION,
  LOCK_INSTANCE_STATUS_AND_START,
  PENDING_WORK,
  QUEUED_TASK_NAMES,
  REWOUND_INSTANCE,
  RUNTIME_STATUSES,
  SELECT_CHANGED_SINCE,
  SELECT_HISTORY_LENGTH,
  SELECT_INSTANCE,
  SELECT_SEGMENTS,
  SELECT_SEGMENTS_IN_RANGE,
  SELECT_WORKERS,
  SET_RUNTIME_STATUS,
  SUSPENSION_TIME,
} from "./statements/instances.js";
import {
  ANNOUNCE_FUNCTIONS,
  DELETE_ORPHANED_TASKS,
  NEXT_VISIBLE_AT,
  WORKER_ALIVE,
  WORKER_STOPPED,
} from "./statements/work.js";
import {
  COUNT_LIVE_INSTANCES,
  FOLD_FINISHED_COUNTS,
  READY_ACTIVITIES,
  READY_ORCHESTRATIONS,
  SUM_FINISHED_COUNTS,
  TRY_FOLD_LOCK,
} from "./statements/workload.js";
import { instanceCounts, readyWorkOf, type InstanceCounts, type ReadyWork } from "../workload.js";
import { TurnBatcher } from "./turn-batcher.js";
import { deleteInstances, Hints, insertMessages, insertTasks, one, wakeForTermination } from "./writes.js";

export class PostgresStore implements InstanceStore, WorkQueue {
  private readonly listener: HintListener;
  private readonly hints: HintSender;
  /** Client calls of one event-loop turn, each kind in one statement. */
  private readonly starts: TurnBatcher<StartRequest, boolean>;
  private readonly reads: TurnBatcher<string, InstanceRecord | null>;
  private readonly histories: TurnBatcher<string, HistoryEvent[]>;
  private readonly events: TurnBatcher<RaisedEvent, BatonError | null>;

  private constructor(
    readonly url: string,
    private readonly db: Connection,
    private readonly clock: Clock,
  ) {
    const origin = randomUUID();
    this.listener = new HintListener(db.options.connectionString, channelOf(db.options.schema), origin);
    this.hints = new HintSender(db, channelOf(db.options.schema), origin);
    this.starts = new TurnBatcher(async (requests) => {
      const inserted = await insertStarts(db, requests);
      if (inserted.includes(true)) this.hints.send(["work"]);
      return inserted;
    });
    this.reads = new TurnBatcher((instanceIds) => readInstances(db, instanceIds));
    this.histories = new TurnBatcher((instanceIds) => readHistories(db, instanceIds));
    this.events = new TurnBatcher(async (events) => {
      const refusals = await insertEvents(db, events);
      if (refusals.includes(null)) this.hints.send(["work"]);
      return refusals;
    });
  }

  /** `clock`: where the store reads the time a lease starts from (see plan/lease.ts); Date.now by default. */
  static async open(url: string, options: ConnectionOptions, { clock = Date.now }: { clock?: Clock } = {}): Promise<PostgresStore> {
    const db = new Connection(options);
    try {
      await migrate(db, clock());
      return new PostgresStore(url, db, clock);
    } catch (error) {
      await db.close().catch(() => undefined);
      // A full disk says what to do itself (as SQLite's open does).
      if (error instanceof SchemaTooNewError || error instanceof StoreUnavailableError || error instanceof StoreFullError) throw error;
      throw new StoreUnavailableError(
        `Cannot open the PostgreSQL store at ${redact(url)}: ${(error as Error).message}. Check the URL, that the server is up and that the user may create a schema.`,
        { cause: error },
      );
    }
  }

  // ---- instances -------------------------------------------------------------------------

  async createInstance(request: CreateInstanceRequest, now: number): Promise<void> {
    // The usual case, a new id: the starts of one event-loop turn go in one statement. A taken
    // id (a duplicate, a finished instance to replace, or this request again after a lost
    // answer) goes the way below.
    if (await this.starts.add({ request, now })) return;
    await this.transaction(async (sql, hints) => {
      const existing = await one<{ runtime_status: string; execution_id: string }>(
        sql,
        LOCK_INSTANCE_STATUS_AND_EXECUTION,
        [request.instanceId],
      );
      if (existing) {
        // The same request again after a commit whose answer was lost: it is already done.
        if (existing.execution_id === request.executionId) return;
        if (!request.reuseFinished || !isFinished(existing.runtime_status)) throw new InstanceAlreadyExistsError(request.instanceId);
        await deleteInstances(sql, [request.instanceId]);
      }
      if (!(await this.insertNewInstance(sql, request, now))) throw new InstanceAlreadyExistsError(request.instanceId);
      hints.work = true;
    }, { ambiguousCommitSafe: true });
  }

  /** False when another transaction created the id first. */
  private async insertNewInstance(sql: Sql, request: CreateInstanceRequest, now: number): Promise<boolean> {
    const startAt = Math.max(request.startAt, now);
    const inserted = await sql.query(INSERT_INSTANCE, [request.instanceId, request.name, request.executionId, request.input ?? null, now, startAt, request.traceContext ?? null]);
    if (inserted.rowCount === 0) return false;
    await insertMessages(sql, [{ instanceId: request.instanceId, message: startMessage(request), visibleAt: startAt }]);
    return true;
  }

  async restartInstance(instanceId: string, executionId: string, now: number, traceContext?: string): Promise<void> {
    await this.transaction(async (sql, hints) => {
      const row = await one<InstanceRow>(sql, LOCK_INSTANCE, [instanceId]);
      if (row?.execution_id === executionId) return; // a retry of a restart that committed
      const request = restartRequest(instanceId, row, executionId, now, traceContext);
      await deleteInstances(sql, [instanceId]);
      await this.insertNewInstance(sql, request, now);
      hints.work = true;
    }, { ambiguousCommitSafe: true });
  }

  async rewindInstance(instanceId: string, reason: string | undefined, now: number): Promise<void> {
    await this.transaction(async (sql, hints) => {
      const row = await one<InstanceRow>(sql, LOCK_INSTANCE, [instanceId]);
      assertRewindable(instanceId, row);
      const segments = (
        await sql.query<{ first_position: number; events: string }>(SELECT_SEGMENTS, [instanceId])
      ).rows.map((segment) => ({ first: segment.first_position, events: JSON.parse(segment.events) as HistoryEvent[] }));
      const rewind = rewindWrites({ instanceId, executionId: row.execution_id, traceContext: row.trace_context ?? undefined }, segments, reason, now);
      await sql.query(DELETE_SEGMENTS, [instanceId]);
      await sql.query(INSERT_SEGMENTS, [instanceId, rewind.segments.map((s) => s.first), rewind.segments.map((s) => JSON.stringify(s.events))]);
      await sql.query(REWOUND_INSTANCE, [rewind.historyLength, now, instanceId]);
      await insertTasks(sql, rewind.tasks);
      await insertMessages(sql, rewind.messages.map((message) => ({ instanceId, message, visibleAt: now })));
      hints.work = true;
    }, { ambiguousCommitSafe: false });
  }

  getInstance(instanceId: string): Promise<InstanceRecord | null> {
    return this.reads.add(instanceId);
  }

  async runtimeStatuses(instanceIds: readonly string[]): Promise<Map<string, RuntimeStatus>> {
    const result = await this.db.run<{ instance_id: string; runtime_status: RuntimeStatus }>(RUNTIME_STATUSES, [instanceIds]);
    return new Map(result.rows.map((row) => [row.instance_id, row.runtime_status]));
  }

  getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.histories.add(instanceId);
  }

  async listInstances(filter: InstanceFilter): Promise<{ instances: InstanceRecord[]; continuationToken: string | undefined }> {
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = filterTerms(filter, param, ID_BYTES);
    if (filter.continuationToken !== undefined) {
      const [createdAt, instanceId] = decodeToken(filter.continuationToken);
      where.push(`(created_at, instance_id) > (${param(createdAt)}, ${param(instanceId)})`);
    }
    const rows = (await this.db.query<InstanceRow>(listInstances(where, param(filter.pageSize + 1)), params)).rows;
    return pageOf(rows, filter.pageSize);
  }

  async sendMessage(instanceId: string, message: InboxMessage, now: number): Promise<void> {
    if (message.type === "EventRaised") {
      const refusal = await this.events.add({ instanceId, message, now });
      if (refusal) throw refusal;
      return;
    }
    // An event sent twice would be seen twice: only idempotent messages are sent again after a
    // commit whose answer was lost.
    const idempotent = message.type === "Terminate" || message.type === "Suspend";
    await this.transaction(async (sql, hints) => {
      const row = await one<{ runtime_status: string; start_at: number }>(
        sql,
        LOCK_INSTANCE_STATUS_AND_START,
        [instanceId],
      );
      const plan = delivery(instanceId, row, message, now);
      if (plan.kind === "status") {
        await this.changeSuspension(sql, instanceId, plan.suspension, message, now);
      } else {
        await insertMessages(sql, [{ instanceId, message, visibleAt: plan.visibleAt }]);
        if (plan.wakes) await wakeForTermination(sql, [instanceId], now);
      }
      hints.work = true;
    }, { ambiguousCommitSafe: idempotent });
  }

  /** Suspends or resumes (see suspension() in plan/instance-changes.ts). */
  private async changeSuspension(sql: Sql, instanceId: string, suspension: Suspension, message: InboxMessage, now: number): Promise<void> {
    if (suspension.change === "none") return;
    await sql.query(SET_RUNTIME_STATUS, [suspension.status, now, instanceId]);
    let visibleAt = suspension.messageAt;
    if (visibleAt === "suspension") {
      const suspended = await one<{ at: number | null }>(
        sql,
        SUSPENSION_TIME,
        [instanceId],
      );
      visibleAt = suspended?.at ?? now;
    }
    await insertMessages(sql, [{ instanceId, message, visibleAt }]);
  }

  async purgeInstance(instanceId: string): Promise<boolean> {
    return this.transaction(async (sql) => {
      const row = await one<{ runtime_status: string }>(sql, LOCK_INSTANCE_STATUS, [
        instanceId,
      ]);
      if (!row) return false;
      if (!isFinished(row.runtime_status)) throw new InstanceNotFinishedError(instanceId, row.runtime_status);
      await deleteInstances(sql, [instanceId]);
      return true;
    }, { ambiguousCommitSafe: true });
  }

  async purgeInstances(filter: PurgeFilter, limit: number): Promise<number> {
    const runtimeStatus = finishedOnly(filter.runtimeStatus);
    if (runtimeStatus.length === 0) return 0;
    const params: unknown[] = [];
    const where = filterTerms({ ...filter, runtimeStatus }, (value) => `$${params.push(value)}`, ID_BYTES);
    const select = lockPurgeable(where, `$${params.length + 1}`);
    return this.transaction(async (sql) => {
      const ids = (await sql.query<{ instance_id: string }>(select, [...params, limit])).rows.map((row) => row.instance_id);
      await deleteInstances(sql, ids);
      return ids.length;
    }, { ambiguousCommitSafe: true });
  }

  // ---- workers and functions -------------------------------------------------------------

  async announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void> {
    const kinds = [...names.activities.map(() => "activity"), ...names.orchestrations.map(() => "orchestration")];
    await this.db.query(ANNOUNCE_FUNCTIONS, [kinds, [...names.activities, ...names.orchestrations], workerId, now]);
  }

  async readyWork(now: number): Promise<ReadyWork[]> {
    type Row = { name: string; items: string; oldest: string };
    const [orchestrations, activities] = await Promise.all([
      this.db.run<Row>(READY_ORCHESTRATIONS, [now]),
      this.db.run<Row>(READY_ACTIVITIES, [now]),
    ]);
    return readyWorkOf(orchestrations.rows, activities.rows);
  }

  async countInstances(): Promise<InstanceCounts> {
    type Row = { runtime_status: string; n: string };
    const [live, finished] = await Promise.all([
      this.db.query<Row>(COUNT_LIVE_INSTANCES),
      this.db.query<Row & { rows: string }>(SUM_FINISHED_COUNTS),
    ]);
    // Every instance that finishes appends a row: fold them once they are many, so that the
    // next read sums a few again. A fold that fails changes nothing; the next read tries again.
    const rows = finished.rows.reduce((sum, row) => sum + Number(row.rows), 0);
    if (rows > FOLD_ABOVE_ROWS) await this.foldFinishedCounts().catch(() => undefined);
    return instanceCounts([...live.rows, ...finished.rows]);
  }

  private foldFinishedCounts(): Promise<void> {
    const lockKey = `batonjs:${this.db.options.schema}:finished_counts`;
    return this.transaction(async (sql) => {
      if (!(await sql.query<{ got: boolean }>(TRY_FOLD_LOCK, [lockKey])).rows[0]!.got) return;
      await sql.query("SET LOCAL synchronous_commit = off");
      await sql.query(FOLD_FINISHED_COUNTS);
    }, { ambiguousCommitSafe: true });
  }

  async knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }> {
    return functionsByKind((await this.db.query<{ kind: string; name: string }>(KNOWN_FUNCTIONS)).rows);
  }

  async workerAlive(
    workerId: string,
    names: { activities: readonly string[]; orchestrations: readonly string[] },
    leaseMs: number,
    now: number,
  ): Promise<void> {
    await this.db.query(WORKER_ALIVE, [workerId, JSON.stringify(names.activities), JSON.stringify(names.orchestrations), now, leaseMs]);
  }

  async deleteOrphanedTasks(now: number, limit: number): Promise<number> {
    const deleted = await this.db.query(DELETE_ORPHANED_TASKS, [now, limit]);
    return deleted.rowCount ?? 0;
  }

  async workerStopped(workerId: string): Promise<void> {
    await this.db.query(WORKER_STOPPED, [workerId]);
  }

  async unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }> {
    const row = (await this.db.query<InstanceRow>(SELECT_INSTANCE, [instanceId])).rows[0];
    if (!row || !waitsForWorkers(row.runtime_status)) return { activities: [] };
    const workers = await this.db.query<{ activities: string; orchestrations: string }>(LIVE_WORKERS, [now]);
    const queued = await this.db.query<{ name: string }>(QUEUED_TASK_NAMES, [instanceId, row.execution_id, now]);
    return unhostedWork(row, workers.rows, queued.rows.map((r) => r.name));
  }

  async liveWorkers(now: number): Promise<WorkerRecord[]> {
    return (await this.db.query<Parameters<typeof workerRecord>[0]>(SELECT_WORKERS, [now])).rows.map(workerRecord);
  }

  async historyRange(instanceId: string, from: number, limit: number): Promise<{ events: HistoryEvent[]; total: number } | null> {
    const row = (await this.db.query<{ history_length: number }>(SELECT_HISTORY_LENGTH, [instanceId])).rows[0];
    if (!row) return null;
    const segments = await this.db.query<{ first_position: number; events: string }>(SELECT_SEGMENTS_IN_RANGE, [instanceId, from, from + limit]);
    const parsed = segments.rows.map((segment) => ({ first: segment.first_position, events: JSON.parse(segment.events) as HistoryEvent[] }));
    return { events: eventsInRange(parsed, from, limit), total: Number(row.history_length) };
  }

  async countInstancesWhere(filter: PurgeFilter, cap: number): Promise<StatusCounts> {
    const rows = await Promise.all(
      statusesToCount(filter.runtimeStatus).map(async (status) => {
        const params: unknown[] = [];
        const param = (value: unknown): string => `$${params.push(value)}`;
        const where = filterTerms({ ...filter, runtimeStatus: [status] }, param, ID_BYTES);
        const text = countInstancesWhere(where, param(cap));
        const { n } = (await this.db.query<{ n: string }>(text, params)).rows[0]!;
        return { runtime_status: status, n };
      }),
    );
    return statusCounts(rows);
  }

  async changedSince(since: number, limit: number): Promise<InstanceChange[]> {
    return (await this.db.query<Parameters<typeof instanceChange>[0]>(SELECT_CHANGED_SINCE, [since, limit])).rows.map(instanceChange);
  }

  async pendingWork(instanceId: string, now: number, limit: number): Promise<PendingWorkRecord | null> {
    const row = (await this.db.run<PendingRows & { runtime_status: RuntimeStatus }>(PENDING_WORK, [instanceId, limit + 1])).rows[0];
    if (!row || !LIVE_STATUSES.includes(row.runtime_status)) return null;
    return pendingWork(row, now, limit);
  }

  // ---- claims, leases and commits --------------------------------------------------------

  claim(request: WorkClaim): Promise<ClaimedWork> {
    return claimAlone(this.db, request, (activityName) => this.advisoryKey(activityName), this.clock);
  }

  private claimIn(sql: Sql, request: WorkClaim): Promise<ClaimedWork> {
    return claimWork(sql, request, (activityName) => this.advisoryKey(activityName), this.clock);
  }

  /** The advisory lock under which claims of a capped activity take turns, per schema. */
  private advisoryKey(activityName: string): string {
    return `batonjs:${this.db.options.schema}:activity:${activityName}`;
  }

  renewLeases(
    instanceLeases: readonly InstanceLease[],
    taskTokens: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<{ endedTaskTokens: string[] }> {
    return renewLeases(this.db, instanceLeases, taskTokens, now, leaseMs, this.clock);
  }

  /**
   * Ops are fenced, so the batch is safe to retry as a whole after a commit whose answer was
   * lost: applied again, each finds its lease gone. An episode then finds its own history
   * segment and reports "ok"; the other ops report `leaseLost`. A batch whose connection is cut
   * is split (commit-in-pieces.ts).
   */
  async commit(ops: readonly CommitOp[], now: number, claim?: WorkClaim): Promise<{ outcomes: CommitOutcome[]; claimed: ClaimedWork }> {
    const lone = !claim && ops.length === 1 ? await commitLoneEnd(this.db, ops[0]!, now, this.clock) : undefined;
    if (lone) {
      this.hints.send([`finished:${(ops[0] as EpisodeOp).instanceId}`]);
      return { outcomes: [lone], claimed: { orchestrations: [], activities: [] } };
    }
    const result = await commitInPieces(
      ops,
      claim !== undefined,
      (piece, withClaim, onCut) =>
        this.transaction(
          async (sql, hints) => {
            const outcomes = await commitOps(sql, piece, now, hints, this.clock);
            const claimed = withClaim ? await this.claimIn(sql, claim!) : undefined;
            faultPoint("before-commit");
            return { outcomes, claimed };
          },
          { ambiguousCommitSafe: true, onCut },
        ),
      (error) => error instanceof ConnectionCutError,
    );
    faultPoint("after-commit");
    return { outcomes: result.outcomes, claimed: result.claimed ?? { orchestrations: [], activities: [] } };
  }

  async nextVisibleAt(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): Promise<number | null> {
    const result = await this.db.run<{ at: number | null }>(NEXT_VISIBLE_AT, [now, orchestrationNames, activityNames]);
    return result.rows[0]?.at ?? null;
  }

  watch(listener: (hint: StoreHint) => void): () => void {
    return this.listener.subscribe(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.starts.drain(), this.reads.drain(), this.histories.drain(), this.events.drain()]);
    await this.listener.close();
    await this.db.close();
  }

  /** One transaction; what it wrote is announced on the store's channel once it has committed. */
  private transaction<T>(body: (sql: Sql, hints: Hints) => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.db.transaction(async (sql) => {
      const hints = new Hints();
      const result = await body(sql, hints);
      return { result, hints };
    }, options).then(({ result, hints }) => {
      this.hints.send([...(hints.work ? ["work"] : []), ...hints.finished.map((id) => `finished:${id}`)]);
      return result;
    });
  }
}

/** Ids in byte order, as migration 008 indexes them: a prefix filter seeks that index (see filterTerms). */
const ID_BYTES = '(instance_id COLLATE "C")';

/** How many rows of finished counts a read lets accumulate before it folds them into one per status. */
const FOLD_ABOVE_ROWS = 1000;

/** The LISTEN/NOTIFY channel of a store: one per schema, so task hubs do not wake each other. */
function channelOf(schema: string): string {
  return `batonjs_${schema}`.slice(0, 63);
}
