/**
 * A commit's ops applied in SQLite, one by one inside the commit's transaction, each fenced by
 * its lease token: what to write is decided in plan/, this is its SQL.
 */
import { randomUUID } from "node:crypto";
import type { EpisodeResult } from "../../engine/command.js";
import { childIdTaken, childInstance } from "../plan/child-start.js";
import { episodeWrites, type EpisodeOp, type StartSubOrchestration } from "../plan/episode-writes.js";
import { childOutcome, parentTerminated, timerFired } from "../plan/messages.js";
import type { Clock } from "../plan/lease.js";
import type { NewTask } from "../plan/new-task.js";
import { nextGeneration } from "../plan/next-generation.js";
import type { InstanceRow } from "../instance-row.js";
import { outcomeMessage, type CommitOp, type CommitOutcome } from "../store.js";
import type { Statements } from "./queries.js";

export function applyOp(sql: Statements, op: CommitOp, now: number, clock: Clock): CommitOutcome {
  switch (op.type) {
    case "episode":
      return commitEpisode(sql, op, now, clock);
    case "stall": {
      const changed = sql.stallInstance.run(op.code, op.message, now, now, op.instanceId, op.leaseToken).changes;
      return changed ? "ok" : "leaseLost";
    }
    case "releaseInstance":
      return sql.releaseInstance.run(op.instanceId, op.leaseToken).changes ? "ok" : "leaseLost";
    case "activityCompleted":
    case "activityFailed": {
      const { task } = op;
      if (!sql.deleteLeasedTask.run(task.leaseToken).changes) return "leaseLost";
      sql.insertMessageIfLive.run(task.instanceId, JSON.stringify(outcomeMessage(op)), now, task.instanceId, task.executionId);
      return "ok";
    }
    case "activityRetry": {
      const { task } = op;
      const changed = sql.retryTask.run(task.attempt + 1, op.visibleAt, JSON.stringify(op.error), op.heartbeatDetails ?? null, task.leaseToken);
      return changed.changes ? "ok" : "leaseLost";
    }
    case "releaseActivity":
      return sql.releaseTask.run(op.task.leaseToken).changes ? "ok" : "leaseLost";
  }
}
function commitEpisode(sql: Statements, op: EpisodeOp, now: number, clock: Clock): CommitOutcome {
  const { result } = op;
  if (result.runtimeStatus === "ContinuedAsNew") return startNextGeneration(sql, op, now, clock);
  const updated = sql.updateInstanceAfterEpisode.run({
    status: result.runtimeStatus,
    output: result.output ?? null,
    failure: result.failure ? JSON.stringify(result.failure) : null,
    customStatusChanged: result.customStatus ? 1 : 0,
    customStatus: result.customStatus?.value ?? null,
    awaiting: result.awaiting ? JSON.stringify(result.awaiting) : null,
    added: result.newEvents.length,
    now,
    instanceId: op.instanceId,
    leaseToken: op.leaseToken,
    historyLengthBefore: op.historyLengthBefore,
    consumed: JSON.stringify(op.consumedMessageIds),
  });
  if (!updated.changes) {
    // The same op committed before (its segment is there under its lease token): applied.
    return sql.selectSegmentOfLease.get(op.instanceId, op.historyLengthBefore, op.leaseToken) ? "ok" : "leaseLost";
  }
  if (result.newEvents.length > 0) {
    sql.insertHistorySegment.run(op.instanceId, op.historyLengthBefore, JSON.stringify(result.newEvents), op.leaseToken);
  }
  if (result.runtimeStatus !== "Running") {
    sql.deleteInbox.run(op.instanceId); // the consumed messages and any left over
    sql.deleteUnleasedTasksOfInstance.run(op.instanceId, now);
    reportToParent(sql, op.instanceId, result, now);
    if (result.runtimeStatus === "Terminated") terminateChildren(sql, op.instanceId, op.executionId, now);
  } else {
    for (const id of op.consumedMessageIds) sql.deleteMessage.run(id);
  }
  const writes = episodeWrites(op, now, clock);
  for (const task of writes.tasks) insertTask(sql, task);
  for (const timer of writes.timers) sql.insertMessage.run(op.instanceId, JSON.stringify(timerFired(timer.seq)), timer.fireAt);
  for (const seq of writes.cancelledTimers) sql.deleteTimerMessage.run(op.instanceId, seq);
  for (const command of writes.children) startChild(sql, op, command, now);
  return "ok";
}
/** continueAsNew (see plan/next-generation.ts). */
function startNextGeneration(sql: Statements, op: EpisodeOp, now: number, clock: Clock): CommitOutcome {
  const { result } = op;
  const updated = sql.startNextGeneration.run({
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
    const current = sql.selectInstance.get(op.instanceId) as InstanceRow | undefined;
    return current?.execution_id === op.newExecutionId ? "ok" : "leaseLost";
  }
  const row = sql.selectInstance.get(op.instanceId) as InstanceRow;
  const next = nextGeneration(op, row.name, now, clock);
  sql.deleteHistory.run(op.instanceId);
  for (const id of op.consumedMessageIds) sql.deleteMessage.run(id);
  sql.deleteMessagesOfTypes.run(op.instanceId, JSON.stringify(next.droppedTypes));
  sql.deleteUnleasedTasksOfInstance.run(op.instanceId, now);
  for (const message of next.messages) sql.insertMessage.run(op.instanceId, JSON.stringify(message), 0);
  for (const command of next.children) startChild(sql, op, command, now);
  return "ok";
}
/** Creates a child instance, or fails the parent's call if its id is taken (see plan/child-start.ts). */
function startChild(sql: Statements, op: EpisodeOp, command: StartSubOrchestration, now: number): void {
  if (sql.selectInstanceStatus.get(command.instanceId)) {
    const failed = childIdTaken(op, command);
    if (failed) sql.insertMessage.run(op.instanceId, JSON.stringify(failed), now);
    return;
  }
  const child = childInstance(op, command, randomUUID(), now);
  sql.insertChildInstance.run(
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
    child.traceContext ?? null,
  );
  sql.insertMessage.run(child.instanceId, JSON.stringify(child.started), now);
}
/** A child that ended tells its parent's call (if that execution still runs). */
function reportToParent(sql: Statements, instanceId: string, result: EpisodeResult, now: number): void {
  const parent = sql.selectParent.get(instanceId) as
    | { parent_instance_id: string; parent_execution_id: string; parent_seq: number }
    | undefined;
  if (!parent) return;
  const message = childOutcome(parent.parent_seq, result);
  sql.insertMessageIfLive.run(
    parent.parent_instance_id,
    JSON.stringify(message),
    now,
    parent.parent_instance_id,
    parent.parent_execution_id,
  );
}
/** Terminating a parent terminates its running children (and, in turn, theirs). */
function terminateChildren(sql: Statements, instanceId: string, executionId: string, now: number): void {
  const children = sql.selectLiveChildren.all(instanceId, executionId) as { instance_id: string }[];
  for (const { instance_id: child } of children) {
    sql.insertMessage.run(child, JSON.stringify(parentTerminated(instanceId)), now);
    sql.wakeForTermination.run(now, child);
  }
}
export function insertTask(sql: Statements, task: NewTask): void {
  sql.insertTask.run(
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
    task.traceContext ?? null,
  );
}
