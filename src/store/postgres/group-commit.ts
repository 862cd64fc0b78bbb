/**
 * A PostgreSQL group commit: the ops of many workers' turns in one transaction. SQLite applies
 * ops one by one; here each kind is applied in sets, and what follows is the one path with its
 * variants, all writing what plan/ decides:
 * - activity outcomes of the batch: three statements for all of them (a fan-in commits hundreds);
 * - episodes: one set-based statement for all of them (commitEpisodeList), then what each sends
 *   elsewhere; an episode whose instance has another op in the batch, or a continueAsNew, goes
 *   the same way on its own;
 * - every other op in order (applyOp);
 * - the fast path of a lone ending episode (commitLoneEnd): the same episode statement as a
 *   transaction of its own, one round trip from an episode to its result.
 */
import { randomUUID } from "node:crypto";
import { faultPoint } from "../../observability/fault-points.js";
import { childIdTaken, childInstance } from "../plan/child-start.js";
import { episodeWrites, type EpisodeOp, type EpisodeWrites, type StartSubOrchestration } from "../plan/episode-writes.js";
import type { Clock } from "../plan/lease.js";
import { childOutcome, parentTerminated } from "../plan/messages.js";
import { nextGeneration } from "../plan/next-generation.js";
import { outcomeMessage, type CommitOp, type CommitOutcome } from "../store.js";
import type { Connection, Sql } from "./connection.js";
import { appliedEarlier, commitEpisodes, type CommittedEpisode } from "./episode-commit.js";
import {
  DELETE_LEASED_TASKS,
  DROP_ENDED_GENERATION,
  INSERT_CHILD,
  LOCK_INSTANCES,
  LOCK_LIVE_CHILDREN,
  LOCK_LIVE_EXECUTIONS,
  LONE_EPISODE_STATEMENT,
  RELEASE_INSTANCE,
  RELEASE_TASK,
  RETRY_TASK,
  RUNS_EXECUTION,
  STALL_INSTANCE,
  START_NEXT_GENERATION,
} from "./statements/commits.js";
import { Hints, insertMessageIfLive, insertMessages, one, wakeForTermination, type QueuedMessage } from "./writes.js";

/** Every op but an activity's final outcome (those are committed together, see commitActivityOutcomes). */
type OtherOp = Exclude<CommitOp, { type: "activityCompleted" | "activityFailed" }>;

/** Applies the ops in the transaction `sql`; one outcome per op, in order. */
export async function commitOps(sql: Sql, ops: readonly CommitOp[], now: number, hints: Hints, clock: Clock): Promise<CommitOutcome[]> {
  // Every instance the ops touch is locked first, in one order: two workers' batches then
  // wait for each other instead of deadlocking (each deadlock costs a second and a retry).
  const touched = [...new Set(ops.map((op) => ("task" in op ? op.task.instanceId : op.instanceId)))].sort();
  if (touched.length > 1) await sql.run(LOCK_INSTANCES, [touched]);
  // Activity outcomes go first, all in three statements (a fan-in commits hundreds at once).
  // Applying them before the other ops leaves the same state: an episode never consumes a
  // message of its own batch, and one that ends its instance deletes the inbox either way.
  const outcomes = await commitActivityOutcomes(sql, ops, now, hints);
  // Then the episodes, all in one statement (each instance has at most one op in a batch:
  // one lease, one episode), then the rest in order.
  await commitEpisodeBatch(sql, ops, outcomes, now, hints, clock);
  for (const [i, op] of ops.entries()) outcomes[i] ??= await applyOp(sql, op as OtherOp, now, hints, clock);
  return outcomes;
}

/**
 * An episode that completes or fails its instance, committed alone (no claim with it): one
 * statement, its own transaction, one round trip instead of four on the way from start to
 * result. Undefined when it must go the usual way: another kind of op, an episode that starts
 * children, or an instance with a parent to tell (or a lost lease, which the usual way then reports).
 * The caller announces the instance's end.
 */
export async function commitLoneEnd(db: Connection, op: CommitOp, now: number, clock: Clock): Promise<CommitOutcome | undefined> {
  if (op.type !== "episode" || (op.result.runtimeStatus !== "Completed" && op.result.runtimeStatus !== "Failed")) return undefined;
  const writes = episodeWrites(op, now, clock);
  if (writes.children.length > 0) return undefined; // children to create: more than one statement
  faultPoint("before-commit");
  const committed = await commitEpisodes(db, [{ op, writes }], now, LONE_EPISODE_STATEMENT);
  // Not applied now: applied by an attempt whose answer was lost, or to go the usual way.
  if (!committed.has(op.instanceId) && !(await appliedEarlier(db, [op])).has(op.instanceId)) return undefined;
  faultPoint("after-commit");
  return "ok";
}

/** The outcomes of the batch's activityCompleted/activityFailed ops, at their indexes (others left empty). */
async function commitActivityOutcomes(sql: Sql, ops: readonly CommitOp[], now: number, hints: Hints): Promise<CommitOutcome[]> {
  const outcomes: CommitOutcome[] = new Array(ops.length);
  const finals = ops.flatMap((op, index) => (op.type === "activityCompleted" || op.type === "activityFailed" ? [{ op, index }] : []));
  if (finals.length === 0) return outcomes;
  const deleted = await sql.run<{ lease_token: string }>(
    DELETE_LEASED_TASKS,
    [finals.map(({ op }) => op.task.leaseToken)],
  );
  const done = new Set(deleted.rows.map((row) => row.lease_token));
  for (const { op, index } of finals) outcomes[index] = done.has(op.task.leaseToken) ? "ok" : "leaseLost";
  const committed = finals.filter(({ op }) => done.has(op.task.leaseToken));
  if (committed.length === 0) return outcomes;
  // Results of executions still running; rows locked (in a fixed order) so that an episode
  // ending one of them concurrently is waited for, not raced.
  const live = await sql.run<{ instance_id: string; execution_id: string }>(
    LOCK_LIVE_EXECUTIONS,
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

async function applyOp(sql: Sql, op: OtherOp, now: number, hints: Hints, clock: Clock): Promise<CommitOutcome> {
  switch (op.type) {
    case "episode":
      return commitEpisodeAlone(sql, op, now, hints, clock);
    case "stall": {
      const stalled = await sql.query(
        // A termination queued after the stalled episode was claimed keeps the instance
        // claimable: the next episode ends it without running its code.
        STALL_INSTANCE,
        [op.code, op.message, now, op.instanceId, op.leaseToken],
      );
      return stalled.rowCount ? "ok" : "leaseLost";
    }
    case "releaseInstance": {
      const released = await sql.query(
        RELEASE_INSTANCE,
        [op.instanceId, op.leaseToken],
      );
      if (!released.rowCount) return "leaseLost";
      hints.work = true;
      return "ok";
    }
    case "activityRetry": {
      const { task } = op;
      const retried = await sql.query(
        RETRY_TASK,
        [task.attempt + 1, op.visibleAt, JSON.stringify(op.error), op.heartbeatDetails ?? null, task.leaseToken],
      );
      if (!retried.rowCount) return "leaseLost";
      hints.work = true;
      return "ok";
    }
    case "releaseActivity": {
      const released = await sql.query(
        RELEASE_TASK,
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
async function commitEpisodeBatch(
  sql: Sql,
  ops: readonly CommitOp[],
  outcomes: CommitOutcome[],
  now: number,
  hints: Hints,
  clock: Clock,
): Promise<void> {
  const perInstance = new Map<string, number>();
  for (const op of ops) {
    if ("instanceId" in op) perInstance.set(op.instanceId, (perInstance.get(op.instanceId) ?? 0) + 1);
  }
  const episodes = ops.flatMap((op, index) =>
    op.type === "episode" && op.result.runtimeStatus !== "ContinuedAsNew" && perInstance.get(op.instanceId) === 1
      ? [{ op, index, writes: episodeWrites(op, now, clock) }]
      : [],
  );
  await commitEpisodeList(sql, episodes, outcomes, now, hints);
}

/**
 * The one way an episode is written: the set-based statement for all of them, then what each
 * that committed sends elsewhere. An episode whose update did not match either was applied by
 * an earlier attempt of the same commit (its follow-ups were part of that attempt: only the
 * outcome is left to give) or lost its lease.
 */
async function commitEpisodeList(
  sql: Sql,
  episodes: readonly { op: EpisodeOp; index: number; writes: EpisodeWrites }[],
  outcomes: CommitOutcome[],
  now: number,
  hints: Hints,
): Promise<void> {
  if (episodes.length === 0) return;
  const committed = await commitEpisodes(sql, episodes, now);
  const applied = await appliedEarlier(sql, episodes.filter(({ op }) => !committed.has(op.instanceId)).map(({ op }) => op));
  for (const { op, index, writes } of episodes) {
    const episode = committed.get(op.instanceId);
    outcomes[index] = episode || applied.has(op.instanceId) ? "ok" : "leaseLost";
    if (episode) await afterEpisode(sql, op, writes, episode, now, hints);
  }
}

/** What a committed episode sends to other instances. */
async function afterEpisode(sql: Sql, op: EpisodeOp, writes: EpisodeWrites, episode: CommittedEpisode, now: number, hints: Hints): Promise<void> {
  const { result } = op;
  if (result.runtimeStatus !== "Running") {
    hints.finished.push(op.instanceId);
    if (episode.parentInstanceId !== null) {
      const message = childOutcome(episode.parentSeq!, result);
      if (await insertMessageIfLive(sql, episode.parentInstanceId, episode.parentExecutionId!, message, now)) hints.work = true;
    }
    if (result.runtimeStatus === "Terminated") await terminateChildren(sql, op.instanceId, op.executionId, now, hints);
  }
  await startChildren(sql, op, writes.children, now);
  if (writes.queuesWork) hints.work = true;
}

/** Creates the episode's children (in its transaction), each with its start message. */
async function startChildren(sql: Sql, op: EpisodeOp, children: readonly StartSubOrchestration[], now: number): Promise<void> {
  const childMessages: QueuedMessage[] = [];
  for (const command of children) childMessages.push(...(await startChild(sql, op, command, now)));
  await insertMessages(sql, childMessages);
}

/** An episode written on its own: a continueAsNew, or one whose instance has another op in the batch. */
async function commitEpisodeAlone(sql: Sql, op: EpisodeOp, now: number, hints: Hints, clock: Clock): Promise<CommitOutcome> {
  if (op.result.runtimeStatus === "ContinuedAsNew") return startNextGeneration(sql, op, now, hints, clock);
  const outcomes: CommitOutcome[] = [];
  await commitEpisodeList(sql, [{ op, index: 0, writes: episodeWrites(op, now, clock) }], outcomes, now, hints);
  return outcomes[0]!;
}

/** continueAsNew (see plan/next-generation.ts). */
async function startNextGeneration(sql: Sql, op: EpisodeOp, now: number, hints: Hints, clock: Clock): Promise<CommitOutcome> {
  const { result } = op;
  const updated = await sql.query<{ name: string }>(
    START_NEXT_GENERATION,
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
  const next = nextGeneration(op, row.name, now, clock);
  await sql.query(
    DROP_ENDED_GENERATION,
    [op.instanceId, now, op.consumedMessageIds, next.droppedTypes],
  );
  await insertMessages(sql, next.messages.map((message) => ({ instanceId: op.instanceId, message, visibleAt: 0 })));
  await startChildren(sql, op, next.children, now);
  hints.work = true;
  return "ok";
}

/** Creates a child instance, or fails the parent's call if its id is taken (see plan/child-start.ts). Returns the messages to queue. */
async function startChild(sql: Sql, op: EpisodeOp, command: StartSubOrchestration, now: number): Promise<QueuedMessage[]> {
  const child = childInstance(op, command, randomUUID(), now);
  const inserted = await sql.query(
    INSERT_CHILD,
    [child.instanceId, child.name, child.executionId, child.input ?? null, now, child.parentInstanceId, child.parentExecutionId, child.parentSeq, child.traceContext ?? null],
  );
  if (inserted.rowCount === 0) {
    const failed = childIdTaken(op, command);
    return failed ? [{ instanceId: op.instanceId, message: failed, visibleAt: now }] : [];
  }
  return [{ instanceId: child.instanceId, message: child.started, visibleAt: now }];
}

/** Terminating a parent terminates its running children (and, in turn, theirs). */
async function terminateChildren(sql: Sql, instanceId: string, executionId: string, now: number, hints: Hints): Promise<void> {
  const children = await sql.query<{ instance_id: string }>(
    LOCK_LIVE_CHILDREN,
    [instanceId, executionId],
  );
  if (children.rows.length === 0) return;
  const ids = children.rows.map((row) => row.instance_id);
  const terminate = parentTerminated(instanceId);
  await insertMessages(sql, ids.map((child) => ({ instanceId: child, message: terminate, visibleAt: now })));
  await wakeForTermination(sql, ids, now);
  hints.work = true;
}

/**
 * A continueAsNew whose fenced update did not match was applied by an earlier attempt of the
 * same commit (its answer lost) when the instance runs the execution id that op chose: ids are
 * new for every op, so no one else could have started it.
 */
async function nextGenerationStarted(sql: Sql, op: EpisodeOp): Promise<boolean> {
  return (await one(sql, RUNS_EXECUTION, [op.instanceId, op.newExecutionId])) !== undefined;
}
