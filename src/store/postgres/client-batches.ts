/**
 * The set-based statements behind the client calls that the store gathers per event-loop turn
 * (see TurnBatcher): new instances, instance and history reads (a worker replaying many
 * instances at once reads their histories together) and raised events. Each takes the turn's
 * requests and answers one result per request, in order.
 */
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import { type BatonError, InstanceNotFoundError, InstanceNotRunningError } from "../../errors.js";
import { rowToInstance, type InstanceRow } from "../instance-row.js";
import { LIVE_STATUSES, type CreateInstanceRequest, type InstanceRecord, type RuntimeStatus } from "../store.js";
import type { Connection } from "./connection.js";
import { startMessage } from "../plan/messages.js";
import { INSERT_EVENTS, INSERT_STARTS, READ_HISTORIES, READ_INSTANCES } from "./statements/instances.js";

export interface StartRequest {
  request: CreateInstanceRequest;
  now: number;
}

/**
 * Inserts new instances with their start messages; answers, for each request, whether its id
 * was free (false: the caller handles the taken id). The same id twice in one batch: the first
 * is inserted, the second finds it taken. Safe to run again after a lost answer: a request
 * already inserted finds its id taken by its own execution id, which the caller accepts.
 */
export async function insertStarts(db: Connection, starts: readonly StartRequest[]): Promise<boolean[]> {
  const inserted = await db.run<{ instance_id: string; execution_id: string }>(INSERT_STARTS, [
    starts.map((s) => s.request.instanceId),
    starts.map((s) => s.request.name),
    starts.map((s) => s.request.executionId),
    starts.map((s) => s.request.input ?? null),
    starts.map((s) => s.now),
    starts.map((s) => Math.max(s.request.startAt, s.now)),
    starts.map((s) => JSON.stringify(startMessage(s.request))),
    starts.map((s) => s.request.traceContext ?? null),
  ]);
  const done = new Set(inserted.rows.map((row) => `${row.instance_id}\u0000${row.execution_id}`));
  return starts.map((s) => done.has(`${s.request.instanceId}\u0000${s.request.executionId}`));
}

/** Reads instances by id: null for an id with no instance. */
export async function readInstances(db: Connection, instanceIds: readonly string[]): Promise<(InstanceRecord | null)[]> {
  const result = await db.run<InstanceRow>(
    READ_INSTANCES,
    [[...new Set(instanceIds)]],
  );
  const byId = new Map(result.rows.map((row) => [row.instance_id, row]));
  return instanceIds.map((id) => {
    const row = byId.get(id);
    return row ? rowToInstance(row) : null;
  });
}

/** Reads histories by instance id: empty for an id with none. */
export async function readHistories(db: Connection, instanceIds: readonly string[]): Promise<HistoryEvent[][]> {
  const result = await db.run<{ instance_id: string; events: string }>(
    READ_HISTORIES,
    [[...new Set(instanceIds)]],
  );
  const byId = new Map<string, HistoryEvent[]>();
  for (const row of result.rows) {
    let events = byId.get(row.instance_id);
    if (!events) byId.set(row.instance_id, (events = []));
    for (const event of JSON.parse(row.events) as HistoryEvent[]) events.push(event);
  }
  // Each caller gets its own array: the same id read twice in one turn must not share one.
  return instanceIds.map((id) => [...(byId.get(id) ?? [])]);
}

export interface RaisedEvent {
  instanceId: string;
  message: Extract<InboxMessage, { type: "EventRaised" }>;
  now: number;
}

/**
 * Queues raised events, in the order asked, for the instances that still take them; answers
 * null for each event queued and the error for each refused. The instances' rows are locked
 * (in one order) so that an episode ending one concurrently is waited for, not raced. An event
 * sent to a scheduled instance becomes visible at its start, so that it follows the start.
 *
 * Not safe to repeat (an event sent twice is seen twice): run it in a transaction that is not
 * retried after an ambiguous commit.
 */
export async function insertEvents(
  db: Connection,
  events: readonly RaisedEvent[],
): Promise<(BatonError | null)[]> {
  const targets = await db.transaction(
    async (sql) =>
      (
        await sql.run<{ instance_id: string; runtime_status: string }>(INSERT_EVENTS, [
          events.map((e) => e.instanceId),
          events.map((e) => JSON.stringify(e.message)),
          events.map((e) => e.now),
        ])
      ).rows,
    { ambiguousCommitSafe: false },
  );
  const statusOf = new Map(targets.map((row) => [row.instance_id, row.runtime_status]));
  return events.map(({ instanceId }) => {
    const status = statusOf.get(instanceId);
    if (status === undefined) return new InstanceNotFoundError(instanceId);
    if (!LIVE_STATUSES.includes(status as RuntimeStatus)) return new InstanceNotRunningError(instanceId, status);
    return null;
  });
}
