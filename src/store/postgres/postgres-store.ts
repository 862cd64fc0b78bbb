/**
 * The PostgreSQL store: for many worker processes on many machines sharing one database.
 * Each method is one transaction (retried on transient failures); claims take rows with
 * FOR UPDATE SKIP LOCKED so workers never wait on each other's claims, and every commit is
 * fenced by lease token under the row lock, so a worker that lost its lease cannot commit.
 * Writes that make work visible are followed by a NOTIFY on the store's channel: a hint that
 * wakes idle workers elsewhere at once (polling still finds everything if a hint is lost).
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import {
  BatonError,
  InstanceAlreadyExistsError,
  InstanceNotFailedError,
  InstanceNotFinishedError,
  InstanceNotFoundError,
  SchemaTooNewError,
  StoreUnavailableError,
} from "../../errors.js";
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import { faultPoint } from "../../observability/fault-points.js";
import { decodeToken, encodeToken } from "../continuation-token.js";
import { filterTerms, finishedOnly } from "../instance-filter.js";
import { rowToInstance, type InstanceRow } from "../instance-row.js";
import { rewindWrites } from "../plan/rewind.js";
import { episodeWrites, type EpisodeOp, type EpisodeWrites, type StartSubOrchestration } from "../plan/episode-writes.js";
import { nextGeneration } from "../plan/next-generation.js";
import { childIdTaken, childInstance } from "../plan/child-start.js";
import { childOutcome, parentTerminated, startMessage } from "../plan/messages.js";
import { delivery, isFinished, restartRequest, type Suspension } from "../plan/instance-changes.js";
import { leaseExpiry } from "../plan/lease.js";
import type { NewTask } from "../plan/new-task.js";
import type {
  ClaimedWork,
  CommitOp,
  CommitOutcome,
  CreateInstanceRequest,
  InstanceFilter,
  InstanceLease,
  InstanceRecord,
  PurgeFilter,
  RuntimeStatus,
  InstanceStore,
  WorkQueue,
  StoreHint,
  WorkClaim,
} from "../store.js";
import { LIVE_SQL, outcomeMessage } from "../store.js";
import { Connection, type ConnectionOptions, type Sql, type TransactionOptions } from "./connection.js";
import { migrate } from "./migrate.js";
import { HintListener } from "./hint-listener.js";
import { HintSender } from "./hint-sender.js";
import { redact } from "../redact-url.js";
import { insertEvents, insertStarts, readHistories, readInstances, type RaisedEvent, type StartRequest } from "./client-batches.js";
import { TurnBatcher } from "./turn-batcher.js";
import { claimAlone, claimWork, nextVisibleAt } from "./claim.js";
import { appliedEarlier, commitEpisodes, LONE_EPISODE_STATEMENT, type CommittedEpisode } from "./episode-commit.js";


/** Every op but an activity's final outcome (those are committed together, see commitActivityOutcomes). */
type OtherOp = Exclude<CommitOp, { type: "activityCompleted" | "activityFailed" }>;

interface QueuedMessage {
  instanceId: string;
  message: InboxMessage;
  visibleAt: number;
}

/** What one transaction wrote that other processes may want to hear about at once. */
class Hints {
  work = false;
  readonly finished: string[] = [];
}

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

  static async open(url: string, options: ConnectionOptions): Promise<PostgresStore> {
    const db = new Connection(options);
    try {
      await migrate(db, Date.now());
      return new PostgresStore(url, db);
    } catch (error) {
      await db.close().catch(() => undefined);
      if (error instanceof SchemaTooNewError || error instanceof StoreUnavailableError) throw error;
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
        "SELECT runtime_status, execution_id FROM instances WHERE instance_id = $1 FOR UPDATE",
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
    const inserted = await sql.query(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at)
       VALUES ($1, $2, $3, 'Pending', $4, $5, $5, $6) ON CONFLICT (instance_id) DO NOTHING`,
      [request.instanceId, request.name, request.executionId, request.input ?? null, now, startAt],
    );
    if (inserted.rowCount === 0) return false;
    await insertMessages(sql, [{ instanceId: request.instanceId, message: startMessage(request), visibleAt: startAt }]);
    return true;
  }

  async restartInstance(instanceId: string, executionId: string, now: number): Promise<void> {
    await this.transaction(async (sql, hints) => {
      const row = await one<InstanceRow>(sql, "SELECT * FROM instances WHERE instance_id = $1 FOR UPDATE", [instanceId]);
      if (row?.execution_id === executionId) return; // a retry of a restart that committed
      const request = restartRequest(instanceId, row, executionId, now);
      await deleteInstances(sql, [instanceId]);
      await this.insertNewInstance(sql, request, now);
      hints.work = true;
    }, { ambiguousCommitSafe: true });
  }

  async rewindInstance(instanceId: string, reason: string | undefined, now: number): Promise<void> {
    await this.transaction(async (sql, hints) => {
      const row = await one<InstanceRow>(sql, "SELECT * FROM instances WHERE instance_id = $1 FOR UPDATE", [instanceId]);
      if (!row) throw new InstanceNotFoundError(instanceId);
      if (row.runtime_status !== "Failed") throw new InstanceNotFailedError(instanceId, row.runtime_status);
      const segments = (
        await sql.query<{ first_position: number; events: string }>(
          "SELECT first_position, events FROM history_segments WHERE instance_id = $1 ORDER BY first_position",
          [instanceId],
        )
      ).rows.map((segment) => ({ first: segment.first_position, events: JSON.parse(segment.events) as HistoryEvent[] }));
      const rewind = rewindWrites({ instanceId, executionId: row.execution_id }, segments, reason, now);
      await sql.query("DELETE FROM history_segments WHERE instance_id = $1", [instanceId]);
      await sql.query(
        `INSERT INTO history_segments (instance_id, first_position, events)
         SELECT $1, first, events FROM unnest($2::int[], $3::text[]) AS s(first, events)`,
        [instanceId, rewind.segments.map((s) => s.first), rewind.segments.map((s) => JSON.stringify(s.events))],
      );
      await sql.query(
        `UPDATE instances SET runtime_status = 'Running', output = NULL, failure = NULL, history_length = $1,
           updated_at = $2, lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
         WHERE instance_id = $3`,
        [rewind.historyLength, now, instanceId],
      );
      await insertTasks(sql, rewind.tasks);
      await insertMessages(sql, rewind.messages.map((message) => ({ instanceId, message, visibleAt: now })));
      hints.work = true;
    }, { ambiguousCommitSafe: false });
  }

  getInstance(instanceId: string): Promise<InstanceRecord | null> {
    return this.reads.add(instanceId);
  }

  async runtimeStatuses(instanceIds: readonly string[]): Promise<Map<string, RuntimeStatus>> {
    const result = await this.db.run<{ instance_id: string; runtime_status: RuntimeStatus }>(
      { name: "baton_runtime_statuses", text: "SELECT instance_id, runtime_status FROM instances WHERE instance_id = ANY($1::text[])" },
      [instanceIds],
    );
    return new Map(result.rows.map((row) => [row.instance_id, row.runtime_status]));
  }

  getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.histories.add(instanceId);
  }

  async listInstances(filter: InstanceFilter): Promise<{ instances: InstanceRecord[]; continuationToken: string | undefined }> {
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = filterTerms(filter, param);
    if (filter.continuationToken !== undefined) {
      const [createdAt, instanceId] = decodeToken(filter.continuationToken);
      where.push(`(created_at, instance_id) > (${param(createdAt)}, ${param(instanceId)})`);
    }
    const text =
      `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
      `ORDER BY created_at, instance_id LIMIT ${param(filter.pageSize + 1)}`;
    const rows = (await this.db.query<InstanceRow>(text, params)).rows;
    const page = rows.slice(0, filter.pageSize);
    const last = page[page.length - 1];
    const continuationToken = rows.length > filter.pageSize && last ? encodeToken([last.created_at, last.instance_id]) : undefined;
    return { instances: page.map(rowToInstance), continuationToken };
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
        "SELECT runtime_status, start_at FROM instances WHERE instance_id = $1 FOR UPDATE",
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
    await sql.query("UPDATE instances SET runtime_status = $1, updated_at = $2 WHERE instance_id = $3", [suspension.status, now, instanceId]);
    let visibleAt = suspension.messageAt;
    if (visibleAt === "suspension") {
      const suspended = await one<{ at: number | null }>(
        sql,
        "SELECT max(visible_at) AS at FROM inbox WHERE instance_id = $1 AND type = 'Suspend'",
        [instanceId],
      );
      visibleAt = suspended?.at ?? now;
    }
    await insertMessages(sql, [{ instanceId, message, visibleAt }]);
  }

  async purgeInstance(instanceId: string): Promise<boolean> {
    return this.transaction(async (sql) => {
      const row = await one<{ runtime_status: string }>(sql, "SELECT runtime_status FROM instances WHERE instance_id = $1 FOR UPDATE", [
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
    const where = filterTerms({ ...filter, runtimeStatus }, (value) => `$${params.push(value)}`);
    const select = `SELECT instance_id FROM instances WHERE ${where.join(" AND ")} LIMIT $${params.length + 1} FOR UPDATE SKIP LOCKED`;
    return this.transaction(async (sql) => {
      const ids = (await sql.query<{ instance_id: string }>(select, [...params, limit])).rows.map((row) => row.instance_id);
      await deleteInstances(sql, ids);
      return ids.length;
    }, { ambiguousCommitSafe: true });
  }

  // ---- workers and functions -------------------------------------------------------------

  async announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void> {
    const kinds = [...names.activities.map(() => "activity"), ...names.orchestrations.map(() => "orchestration")];
    await this.db.query(
      `INSERT INTO functions (kind, name, announced_by, announced_at)
       SELECT kind, name, $3, $4 FROM unnest($1::text[], $2::text[]) AS f(kind, name)
       ON CONFLICT (kind, name) DO UPDATE SET announced_by = excluded.announced_by, announced_at = excluded.announced_at`,
      [kinds, [...names.activities, ...names.orchestrations], workerId, now],
    );
  }

  async knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }> {
    const rows = (await this.db.query<{ kind: string; name: string }>("SELECT kind, name FROM functions ORDER BY name")).rows;
    return {
      activities: rows.filter((r) => r.kind === "activity").map((r) => r.name),
      orchestrations: rows.filter((r) => r.kind === "orchestration").map((r) => r.name),
    };
  }

  async workerAlive(
    workerId: string,
    names: { activities: readonly string[]; orchestrations: readonly string[] },
    leaseMs: number,
    now: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO workers (worker_id, activities, orchestrations, heartbeat_at, lease_ms) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [workerId, JSON.stringify(names.activities), JSON.stringify(names.orchestrations), now, leaseMs],
    );
  }

  async deleteOrphanedTasks(now: number, limit: number): Promise<number> {
    const deleted = await this.db.query(
      `DELETE FROM activity_tasks WHERE id IN (
         SELECT t.id FROM activity_tasks t
         WHERE t.lease_token IS NOT NULL AND t.lease_expires_at <= $1
           AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
             AND i.runtime_status IN ${LIVE_SQL})
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    return deleted.rowCount ?? 0;
  }

  async workerStopped(workerId: string): Promise<void> {
    await this.db.query("DELETE FROM workers WHERE worker_id = $1", [workerId]);
  }

  async unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }> {
    const row = (await this.db.query<InstanceRow>("SELECT * FROM instances WHERE instance_id = $1", [instanceId])).rows[0];
    if (!row || !["Pending", "Running"].includes(row.runtime_status)) return { activities: [] };
    const workers = await this.db.query<{ activities: string; orchestrations: string }>(
      "SELECT activities, orchestrations FROM workers WHERE heartbeat_at + lease_ms >= $1",
      [now],
    );
    const hosted = { activities: new Set<string>(), orchestrations: new Set<string>() };
    for (const worker of workers.rows) {
      for (const name of JSON.parse(worker.activities) as string[]) hosted.activities.add(name);
      for (const name of JSON.parse(worker.orchestrations) as string[]) hosted.orchestrations.add(name);
    }
    const queued = await this.db.query<{ name: string }>(
      "SELECT DISTINCT name FROM activity_tasks WHERE instance_id = $1 AND execution_id = $2 AND lease_expires_at <= $3",
      [instanceId, row.execution_id, now],
    );
    return {
      ...(hosted.orchestrations.has(row.name) ? {} : { orchestration: row.name }),
      activities: queued.rows
        .map((r) => r.name)
        .filter((name) => !hosted.activities.has(name))
        .sort(),
    };
  }

  // ---- claims, leases and commits --------------------------------------------------------

  claim(request: WorkClaim): Promise<ClaimedWork> {
    return claimAlone(this.db, request, (activityName) => this.advisoryKey(activityName));
  }

  private claimIn(sql: Sql, request: WorkClaim): Promise<ClaimedWork> {
    return claimWork(sql, request, (activityName) => this.advisoryKey(activityName));
  }

  /** The advisory lock under which claims of a capped activity take turns, per schema. */
  private advisoryKey(activityName: string): string {
    return `batonjs:${this.db.options.schema}:activity:${activityName}`;
  }

  async renewLeases(
    instanceLeases: readonly InstanceLease[],
    taskTokens: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<{ endedTaskTokens: string[] }> {
    if (instanceLeases.length === 0 && taskTokens.length === 0) return { endedTaskTokens: [] };
    return this.transaction(async (sql) => {
      const leaseExpiresAt = leaseExpiry(now, leaseMs);
      // Rows a commit holds are skipped, not waited for: that commit is about to end or change
      // the lease, and waiting would lock in the opposite order to commits (deadlocks). A lease
      // skipped now is renewed at the next round, well before it expires.
      // Found by instance id: lease_token is not indexed, so that lease changes stay HOT updates.
      if (instanceLeases.length > 0) {
        await sql.run(
          {
            name: "baton_renew_instances",
            text: `UPDATE instances SET lease_expires_at = $1
                   WHERE instance_id IN (
                     SELECT instance_id FROM instances
                     WHERE (instance_id, lease_token) IN (SELECT * FROM unnest($2::text[], $3::text[]))
                     FOR UPDATE SKIP LOCKED)`,
          },
          [leaseExpiresAt, instanceLeases.map((lease) => lease.instanceId), instanceLeases.map((lease) => lease.leaseToken)],
        );
      }
      if (taskTokens.length === 0) return { endedTaskTokens: [] };
      await sql.run(
        {
          name: "baton_renew_tasks",
          text: `UPDATE activity_tasks SET lease_expires_at = $1
                 WHERE id IN (SELECT id FROM activity_tasks WHERE lease_token = ANY($2::text[]) FOR UPDATE SKIP LOCKED)`,
        },
        [leaseExpiresAt, taskTokens],
      );
      // Leased tasks whose instance is gone, ended or replaced by a new execution.
      const ended = await sql.run<{ lease_token: string }>(
        {
          name: "baton_ended_tasks",
          text: `SELECT t.lease_token FROM activity_tasks t
                   LEFT JOIN instances i ON i.instance_id = t.instance_id AND i.execution_id = t.execution_id
                 WHERE t.lease_token = ANY($1::text[]) AND (i.instance_id IS NULL OR i.runtime_status NOT IN ${LIVE_SQL})`,
        },
        [taskTokens],
      );
      return { endedTaskTokens: ended.rows.map((row) => row.lease_token) };
    }, { ambiguousCommitSafe: true, leasesOnly: true });
  }

  /**
   * Ops are fenced, so the batch is safe to retry as a whole after a commit whose answer was
   * lost: applied again, each finds its lease gone. An episode then finds its own history
   * segment and reports "ok"; the other ops report `leaseLost`.
   */
  async commit(ops: readonly CommitOp[], now: number, claim?: WorkClaim): Promise<{ outcomes: CommitOutcome[]; claimed: ClaimedWork }> {
    const lone = !claim && ops.length === 1 ? await this.commitLoneEnd(ops[0]!, now) : undefined;
    if (lone) return { outcomes: [lone], claimed: { orchestrations: [], activities: [] } };
    const result = await this.transaction(async (sql, hints) => {
      // Every instance the ops touch is locked first, in one order: two workers' batches then
      // wait for each other instead of deadlocking (each deadlock costs a second and a retry).
      const touched = [...new Set(ops.map((op) => ("task" in op ? op.task.instanceId : op.instanceId)))].sort();
      if (touched.length > 1) {
        await sql.run({ name: "baton_lock_instances", text: "SELECT 1 FROM instances WHERE instance_id = ANY($1::text[]) ORDER BY instance_id FOR UPDATE" }, [
          touched,
        ]);
      }
      // Activity outcomes go first, all in three statements (a fan-in commits hundreds at once).
      // Applying them before the other ops leaves the same state: an episode never consumes a
      // message of its own batch, and one that ends its instance deletes the inbox either way.
      const outcomes = await this.commitActivityOutcomes(sql, ops, now, hints);
      // Then the episodes, all in one statement (each instance has at most one op in a batch:
      // one lease, one episode), then the rest in order.
      await this.commitEpisodeBatch(sql, ops, outcomes, now, hints);
      for (const [i, op] of ops.entries()) outcomes[i] ??= await this.applyOp(sql, op as OtherOp, now, hints);
      const claimed = claim ? await this.claimIn(sql, claim) : { orchestrations: [], activities: [] };
      faultPoint("before-commit");
      return { outcomes, claimed };
    }, { ambiguousCommitSafe: true });
    faultPoint("after-commit");
    return result;
  }

  /**
   * An episode that completes or fails its instance, committed alone (no claim with it): one
   * statement, its own transaction, one round trip instead of four on the way from start to
   * result. Undefined when it must go the usual way: another kind of op, an episode that starts
   * children, or an instance with a parent to tell (or a lost lease, which the usual way then reports).
   */
  private async commitLoneEnd(op: CommitOp, now: number): Promise<CommitOutcome | undefined> {
    if (op.type !== "episode" || (op.result.runtimeStatus !== "Completed" && op.result.runtimeStatus !== "Failed")) return undefined;
    const writes = episodeWrites(op, now);
    if (writes.children.length > 0) return undefined; // children to create: more than one statement
    faultPoint("before-commit");
    const committed = await commitEpisodes(this.db, [{ op, writes }], now, LONE_EPISODE_STATEMENT);
    // Not applied now: applied by an attempt whose answer was lost, or to go the usual way.
    if (!committed.has(op.instanceId) && !(await appliedEarlier(this.db, [op])).has(op.instanceId)) return undefined;
    faultPoint("after-commit");
    this.hints.send([`finished:${op.instanceId}`]);
    return "ok";
  }

  /** The outcomes of the batch's activityCompleted/activityFailed ops, at their indexes (others left empty). */
  private async commitActivityOutcomes(sql: Sql, ops: readonly CommitOp[], now: number, hints: Hints): Promise<CommitOutcome[]> {
    const outcomes: CommitOutcome[] = new Array(ops.length);
    const finals = ops.flatMap((op, index) => (op.type === "activityCompleted" || op.type === "activityFailed" ? [{ op, index }] : []));
    if (finals.length === 0) return outcomes;
    const deleted = await sql.run<{ lease_token: string }>(
      { name: "baton_delete_tasks", text: "DELETE FROM activity_tasks WHERE lease_token = ANY($1::text[]) RETURNING lease_token" },
      [finals.map(({ op }) => op.task.leaseToken)],
    );
    const done = new Set(deleted.rows.map((row) => row.lease_token));
    for (const { op, index } of finals) outcomes[index] = done.has(op.task.leaseToken) ? "ok" : "leaseLost";
    const committed = finals.filter(({ op }) => done.has(op.task.leaseToken));
    if (committed.length === 0) return outcomes;
    // Results of executions still running; rows locked (in a fixed order) so that an episode
    // ending one of them concurrently is waited for, not raced.
    const live = await sql.run<{ instance_id: string; execution_id: string }>(
      {
        name: "baton_live_executions",
        text: `SELECT instance_id, execution_id FROM instances
               WHERE (instance_id, execution_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                 AND runtime_status IN ${LIVE_SQL}
               ORDER BY instance_id FOR SHARE`,
      },
      [committed.map(({ op }) => op.task.instanceId), committed.map(({ op }) => op.task.executionId)],
    );
    const running = new Set(live.rows.map((row) => `${row.execution_id}\u0000${row.instance_id}`));
    const messages = committed
      .filter(({ op }) => running.has(`${op.task.executionId}\u0000${op.task.instanceId}`))
      .map(({ op }) => ({ instanceId: op.task.instanceId, message: outcomeMessage(op), visibleAt: now }));
    await insertMessages(sql, messages);
    if (messages.length > 0) hints.work = true;
    return outcomes;
  }

  private async applyOp(sql: Sql, op: OtherOp, now: number, hints: Hints): Promise<CommitOutcome> {
    switch (op.type) {
      case "episode":
        return this.commitEpisodeAlone(sql, op, now, hints);
      case "stall": {
        const stalled = await sql.query(
          // A termination queued after the stalled episode was claimed keeps the instance
          // claimable: the next episode ends it without running its code.
          `UPDATE instances SET stalled_code = $1, stalled_message = $2, stalled_since = coalesce(stalled_since, $3),
             stalled_at = CASE WHEN EXISTS (SELECT 1 FROM inbox WHERE inbox.instance_id = $4 AND inbox.type = 'Terminate')
               THEN NULL ELSE $3 END,
             lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
           WHERE instance_id = $4 AND lease_token = $5`,
          [op.code, op.message, now, op.instanceId, op.leaseToken],
        );
        return stalled.rowCount ? "ok" : "leaseLost";
      }
      case "releaseInstance": {
        const released = await sql.query(
          "UPDATE instances SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0 WHERE instance_id = $1 AND lease_token = $2",
          [op.instanceId, op.leaseToken],
        );
        if (!released.rowCount) return "leaseLost";
        hints.work = true;
        return "ok";
      }
      case "activityRetry": {
        const { task } = op;
        const retried = await sql.query(
          `UPDATE activity_tasks SET attempt = $1, visible_at = $2, last_error = $3, heartbeat_details = coalesce($4, heartbeat_details),
             lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
           WHERE lease_token = $5`,
          [task.attempt + 1, op.visibleAt, JSON.stringify(op.error), op.heartbeatDetails ?? null, task.leaseToken],
        );
        if (!retried.rowCount) return "leaseLost";
        hints.work = true;
        return "ok";
      }
      case "releaseActivity": {
        const released = await sql.query(
          "UPDATE activity_tasks SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0 WHERE lease_token = $1",
          [op.task.leaseToken],
        );
        if (!released.rowCount) return "leaseLost";
        hints.work = true;
        return "ok";
      }
    }
  }

  /**
   * Writes the batch's episodes (but continueAsNew, written apart) with one statement, then,
   * for those whose lease held, what they send elsewhere: a parent's result, children started
   * or terminated. Fills their outcomes.
   */
  private async commitEpisodeBatch(sql: Sql, ops: readonly CommitOp[], outcomes: CommitOutcome[], now: number, hints: Hints): Promise<void> {
    const perInstance = new Map<string, number>();
    for (const op of ops) {
      if ("instanceId" in op) perInstance.set(op.instanceId, (perInstance.get(op.instanceId) ?? 0) + 1);
    }
    const episodes = ops.flatMap((op, index) =>
      op.type === "episode" && op.result.runtimeStatus !== "ContinuedAsNew" && perInstance.get(op.instanceId) === 1
        ? [{ op, index, writes: episodeWrites(op, now) }]
        : [],
    );
    if (episodes.length === 0) return;
    const committed = await commitEpisodes(sql, episodes, now);
    // Its follow-ups were part of the same earlier attempt: only the outcome is left to give.
    const applied = await appliedEarlier(sql, episodes.filter(({ op }) => !committed.has(op.instanceId)).map(({ op }) => op));
    for (const { op, index, writes } of episodes) {
      const episode = committed.get(op.instanceId);
      outcomes[index] = episode || applied.has(op.instanceId) ? "ok" : "leaseLost";
      if (episode) await this.afterEpisode(sql, op, writes, episode, now, hints);
    }
  }

  /** What a committed episode sends to other instances. */
  private async afterEpisode(sql: Sql, op: EpisodeOp, writes: EpisodeWrites, episode: CommittedEpisode, now: number, hints: Hints): Promise<void> {
    const { result } = op;
    if (result.runtimeStatus !== "Running") {
      hints.finished.push(op.instanceId);
      if (episode.parentInstanceId !== null) {
        const message = childOutcome(episode.parentSeq!, result);
        if (await insertMessageIfLive(sql, episode.parentInstanceId, episode.parentExecutionId!, message, now)) hints.work = true;
      }
      if (result.runtimeStatus === "Terminated") await this.terminateChildren(sql, op.instanceId, op.executionId, now, hints);
    }
    await this.startChildren(sql, op, writes.children, now);
    if (writes.queuesWork) hints.work = true;
  }

  /** Creates the episode's children (in its transaction), each with its start message. */
  private async startChildren(sql: Sql, op: EpisodeOp, children: readonly StartSubOrchestration[], now: number): Promise<void> {
    const childMessages: QueuedMessage[] = [];
    for (const command of children) childMessages.push(...(await this.startChild(sql, op, command, now)));
    await insertMessages(sql, childMessages);
  }

  /** An episode written on its own: a continueAsNew, or one whose instance has another op in the batch. */
  private async commitEpisodeAlone(sql: Sql, op: EpisodeOp, now: number, hints: Hints): Promise<CommitOutcome> {
    if (op.result.runtimeStatus === "ContinuedAsNew") return this.startNextGeneration(sql, op, now, hints);
    const writes = episodeWrites(op, now);
    const episode = (await commitEpisodes(sql, [{ op, writes }], now)).get(op.instanceId);
    if (!episode) return (await appliedEarlier(sql, [op])).has(op.instanceId) ? "ok" : "leaseLost";
    await this.afterEpisode(sql, op, writes, episode, now, hints);
    return "ok";
  }

  /** continueAsNew (see plan/next-generation.ts). */
  private async startNextGeneration(sql: Sql, op: EpisodeOp, now: number, hints: Hints): Promise<CommitOutcome> {
    const { result } = op;
    const updated = await sql.query<{ name: string }>(
      `UPDATE instances SET
         execution_id = $1,
         runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Suspended' ELSE 'Running' END,
         input = $2, output = NULL, failure = NULL,
         custom_status = CASE WHEN $3 THEN $4 ELSE custom_status END,
         history_length = 0, updated_at = $5,
         lease_owner = NULL, lease_token = NULL, lease_expires_at = 0,
         stalled_code = NULL, stalled_message = NULL, stalled_since = NULL, stalled_at = NULL
       WHERE instance_id = $6 AND lease_token = $7 AND history_length = $8
         AND (SELECT count(*) FROM inbox WHERE inbox.instance_id = $6 AND inbox.id = ANY($9::bigint[])) = cardinality($9::bigint[])
       RETURNING name`,
      [
        op.newExecutionId!,
        result.continuedAsNew!.input ?? null,
        result.customStatus !== undefined,
        result.customStatus?.value ?? null,
        now,
        op.instanceId,
        op.leaseToken,
        op.historyLengthBefore,
        op.consumedMessageIds,
      ],
    );
    const row = updated.rows[0];
    if (!row) return (await nextGenerationStarted(sql, op)) ? "ok" : "leaseLost";
    const next = nextGeneration(op, row.name, now);
    await sql.query(
      `WITH history_gone AS (DELETE FROM history_segments WHERE instance_id = $1),
            tasks_gone AS (DELETE FROM activity_tasks WHERE instance_id = $1 AND lease_expires_at <= $2)
       DELETE FROM inbox WHERE instance_id = $1 AND (id = ANY($3::bigint[]) OR type = ANY($4::text[]))`,
      [op.instanceId, now, op.consumedMessageIds, next.droppedTypes],
    );
    await insertMessages(sql, next.messages.map((message) => ({ instanceId: op.instanceId, message, visibleAt: 0 })));
    await this.startChildren(sql, op, next.children, now);
    hints.work = true;
    return "ok";
  }

  /** Creates a child instance, or fails the parent's call if its id is taken (see plan/child-start.ts). Returns the messages to queue. */
  private async startChild(sql: Sql, op: EpisodeOp, command: StartSubOrchestration, now: number): Promise<QueuedMessage[]> {
    const child = childInstance(op, command, randomUUID(), now);
    const inserted = await sql.query(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at,
         parent_instance_id, parent_execution_id, parent_seq)
       VALUES ($1, $2, $3, 'Pending', $4, $5, $5, $5, $6, $7, $8) ON CONFLICT (instance_id) DO NOTHING`,
      [child.instanceId, child.name, child.executionId, child.input ?? null, now, child.parentInstanceId, child.parentExecutionId, child.parentSeq],
    );
    if (inserted.rowCount === 0) {
      const failed = childIdTaken(op, command);
      return failed ? [{ instanceId: op.instanceId, message: failed, visibleAt: now }] : [];
    }
    return [{ instanceId: child.instanceId, message: child.started, visibleAt: now }];
  }

  /** Terminating a parent terminates its running children (and, in turn, theirs). */
  private async terminateChildren(sql: Sql, instanceId: string, executionId: string, now: number, hints: Hints): Promise<void> {
    const children = await sql.query<{ instance_id: string }>(
      `SELECT instance_id FROM instances WHERE parent_instance_id = $1 AND parent_execution_id = $2 AND runtime_status IN ${LIVE_SQL}
       ORDER BY instance_id FOR UPDATE`,
      [instanceId, executionId],
    );
    if (children.rows.length === 0) return;
    const ids = children.rows.map((row) => row.instance_id);
    const terminate = parentTerminated(instanceId);
    await insertMessages(sql, ids.map((child) => ({ instanceId: child, message: terminate, visibleAt: now })));
    await wakeForTermination(sql, ids, now);
    hints.work = true;
  }

  async nextVisibleAt(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): Promise<number | null> {
    const result = await this.db.run<{ at: number | null }>(
      {
        name: "baton_next_visible_at",
        text: `SELECT ${nextVisibleAt("$2", "$3", "$1")} AS at`,
      },
      [now, orchestrationNames, activityNames],
    );
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

/** The LISTEN/NOTIFY channel of a store: one per schema, so task hubs do not wake each other. */
function channelOf(schema: string): string {
  return `batonjs_${schema}`.slice(0, 63);
}

async function one<R extends pg.QueryResultRow>(sql: Sql, text: string, values: unknown[]): Promise<R | undefined> {
  return (await sql.query<R>(text, values)).rows[0];
}

/**
 * A continueAsNew whose fenced update did not match was applied by an earlier attempt of the
 * same commit (its answer lost) when the instance runs the execution id that op chose: ids are
 * new for every op, so no one else could have started it.
 */
async function nextGenerationStarted(sql: Sql, op: EpisodeOp): Promise<boolean> {
  return (await one(sql, "SELECT 1 FROM instances WHERE instance_id = $1 AND execution_id = $2", [op.instanceId, op.newExecutionId])) !== undefined;
}

/** Queues messages in the given order (one statement): the serial ids keep it. */
async function insertMessages(sql: Sql, messages: readonly QueuedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await sql.run(
    {
      name: "baton_insert_messages",
      text: `INSERT INTO inbox (instance_id, type, seq, message, visible_at)
             SELECT instance_id, type, seq, message, visible_at
             FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[]) WITH ORDINALITY
               AS m(instance_id, type, seq, message, visible_at, n)
             ORDER BY n`,
    },
    [
      messages.map((m) => m.instanceId),
      messages.map((m) => m.message.type),
      messages.map((m) => ("seq" in m.message ? m.message.seq : null)),
      messages.map((m) => JSON.stringify(m.message)),
      messages.map((m) => m.visibleAt),
    ],
  );
}

/**
 * Queues a result for an instance's execution if it still takes results. The instance row is
 * locked (FOR SHARE) so that an episode ending it concurrently is waited for, not raced.
 */
async function insertMessageIfLive(sql: Sql, instanceId: string, executionId: string, message: InboxMessage, now: number): Promise<boolean> {
  const live = await one<{ instance_id: string }>(
    sql,
    `SELECT instance_id FROM instances WHERE instance_id = $1 AND execution_id = $2 AND runtime_status IN ${LIVE_SQL} FOR SHARE`,
    [instanceId, executionId],
  );
  if (!live) return false;
  await insertMessages(sql, [{ instanceId, message, visibleAt: now }]);
  return true;
}

async function insertTasks(sql: Sql, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) return;
  await sql.query(
    `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
       first_visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms)
     SELECT instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
       visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms
     FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
       $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[]) WITH ORDINALITY
       AS t(instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
         visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, n)
     ORDER BY n`,
    [
      tasks.map((t) => t.instanceId),
      tasks.map((t) => t.executionId),
      tasks.map((t) => t.seq),
      tasks.map((t) => t.name),
      tasks.map((t) => t.input ?? null),
      tasks.map((t) => t.attempt),
      tasks.map((t) => t.idempotencyKey),
      tasks.map((t) => t.retry),
      tasks.map((t) => t.visibleAt),
      tasks.map((t) => t.lease?.owner ?? null),
      tasks.map((t) => t.lease?.token ?? null),
      tasks.map((t) => t.lease?.expiresAt ?? 0),
      tasks.map((t) => t.timeoutMs ?? null),
    ],
  );
}

async function deleteInstances(sql: Sql, instanceIds: readonly string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await sql.query(
    `WITH history_gone AS (DELETE FROM history_segments WHERE instance_id = ANY($1::text[])),
          inbox_gone AS (DELETE FROM inbox WHERE instance_id = ANY($1::text[])),
          tasks_gone AS (DELETE FROM activity_tasks WHERE instance_id = ANY($1::text[]))
     DELETE FROM instances WHERE instance_id = ANY($1::text[])`,
    [instanceIds],
  );
}

/** A terminated instance must not wait for its start time, nor stay skipped as stalled, nor stay suspended. */
async function wakeForTermination(sql: Sql, instanceIds: readonly string[], now: number): Promise<void> {
  await sql.query(
    `UPDATE instances SET start_at = least(start_at, $1), stalled_at = NULL,
       runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Running' ELSE runtime_status END
     WHERE instance_id = ANY($2::text[])`,
    [now, instanceIds],
  );
}

