/**
 * The PostgreSQL writes that several operations share (client calls and commits alike):
 * queuing messages, inserting tasks, deleting instances, waking an instance to be terminated,
 * and the hints a transaction collects for other processes.
 */
import type pg from "pg";
import type { InboxMessage } from "../../engine/history-event.js";
import type { NewTask } from "../plan/new-task.js";
import type { Sql } from "./connection.js";
import { DELETE_INSTANCES, WAKE_FOR_TERMINATION } from "./statements/instances.js";
import { INSERT_MESSAGES, INSERT_TASKS, LOCK_LIVE_EXECUTION } from "./statements/commits.js";

export interface QueuedMessage {
  instanceId: string;
  message: InboxMessage;
  visibleAt: number;
}

/** What one transaction wrote that other processes may want to hear about at once. */
export class Hints {
  work = false;
  readonly finished: string[] = [];
}

export async function one<R extends pg.QueryResultRow>(sql: Sql, text: string, values: unknown[]): Promise<R | undefined> {
  return (await sql.query<R>(text, values)).rows[0];
}


/** Queues messages in the given order (one statement): the serial ids keep it. */
export async function insertMessages(sql: Sql, messages: readonly QueuedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await sql.run(
    INSERT_MESSAGES,
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
export async function insertMessageIfLive(sql: Sql, instanceId: string, executionId: string, message: InboxMessage, now: number): Promise<boolean> {
  const live = await one<{ instance_id: string }>(
    sql,
    LOCK_LIVE_EXECUTION,
    [instanceId, executionId],
  );
  if (!live) return false;
  await insertMessages(sql, [{ instanceId, message, visibleAt: now }]);
  return true;
}

export async function insertTasks(sql: Sql, tasks: readonly NewTask[]): Promise<void> {
  if (tasks.length === 0) return;
  await sql.query(INSERT_TASKS, [...taskColumns(tasks), tasks.map((t) => t.traceContext ?? null)]);
}

/**
 * Task rows as the statements that insert them take them: one array per column, in the order
 * of INSERT_TASKS' parameters (the episode statement takes the same 13 in a row; the 14th,
 * the trace context, comes last in both).
 */
export function taskColumns(tasks: readonly NewTask[]): unknown[][] {
  return [
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
  ];
}

export async function deleteInstances(sql: Sql, instanceIds: readonly string[]): Promise<void> {
  if (instanceIds.length === 0) return;
  await sql.query(
    DELETE_INSTANCES,
    [instanceIds],
  );
}

/** A terminated instance must not wait for its start time, nor stay skipped as stalled, nor stay suspended. */
export async function wakeForTermination(sql: Sql, instanceIds: readonly string[], now: number): Promise<void> {
  await sql.query(
    WAKE_FOR_TERMINATION,
    [now, instanceIds],
  );
}
