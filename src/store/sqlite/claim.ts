/**
 * Claims in SQLite: inside the claim's write transaction, so no other worker claims in between
 * (SQLite serializes writers). Candidates are read, then leased with fresh tokens.
 */
import { randomUUID } from "node:crypto";
import type { InboxMessage } from "../../engine/history-event.js";
import { leaseExpiry, type Clock } from "../plan/lease.js";
import { rowToTask, type TaskRow } from "../task-row.js";
import type { ActivityWorkItem, ClaimedWork, ClaimRequest, OrchestrationWorkItem, StoredMessage, WorkClaim } from "../store.js";
import type { Statements } from "./queries.js";

export function claimInTransaction(sql: Statements, request: WorkClaim, clock: Clock): ClaimedWork {
  // Every lease below counts from this moment or later: the earliest of them ends no sooner.
  const leasesExpireAt = leaseExpiry(request.orchestrations.now, Math.min(request.orchestrations.leaseMs, request.activities.leaseMs), clock);
  return { orchestrations: claimOrchestrations(sql, request.orchestrations, clock), activities: claimActivities(sql, request.activities, clock), leasesExpireAt };
}
function claimOrchestrations(sql: Statements, request: WorkClaim["orchestrations"], clock: Clock): OrchestrationWorkItem[] {
  if (request.limit <= 0 || request.names.length === 0) return [];
  const { now } = request;
  const candidates = sql.selectClaimableInstances.all(
    now,
    JSON.stringify(request.names),
    now,
    now,
    request.stalledBefore,
    request.limit,
  ) as { instance_id: string; name: string; execution_id: string; history_length: number; trace_context: string | null }[];
  if (candidates.length === 0) return [];
  const tokens = candidates.map(() => randomUUID());
  sql.leaseInstances.run(
    request.workerId,
    leaseExpiry(now, request.leaseMs, clock),
    JSON.stringify(candidates.map((row, i) => [row.instance_id, tokens[i]])),
  );
  const messages = new Map<string, StoredMessage[]>();
  const rows = sql.selectVisibleMessagesOf.all(JSON.stringify(candidates.map((row) => row.instance_id)), now, request.maxMessages) as {
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
    ...(row.trace_context === null ? {} : { traceContext: row.trace_context }),
  }));
}
function claimActivities(sql: Statements, request: ClaimRequest, clock: Clock): ActivityWorkItem[] {
  if (request.limit <= 0 || request.names.length === 0) return [];
  const { now } = request;
  const caps = request.concurrency ?? {};
  const free = request.names.filter((name) => caps[name] === undefined);
  const capped = request.names.filter((name) => caps[name] !== undefined);
  const rows = free.length > 0 ? (sql.selectClaimableTasks.all(now, now, JSON.stringify(free), request.limit) as TaskRow[]) : [];
  if (capped.length > 0 && rows.length < request.limit) {
    // Counted inside the claim's write transaction: no other worker claims in between.
    const running = new Map(
      (sql.countRunningTasks.all(now, JSON.stringify(capped)) as { name: string; n: number }[]).map((r) => [r.name, r.n]),
    );
    for (const name of capped) {
      const room = Math.min(caps[name]! - (running.get(name) ?? 0), request.limit - rows.length);
      if (room > 0) rows.push(...(sql.selectClaimableTasks.all(now, now, JSON.stringify([name]), room) as TaskRow[]));
    }
  }
  return rows.map((row) => {
    const leaseToken = randomUUID();
    sql.leaseTask.run(request.workerId, leaseToken, leaseExpiry(now, request.leaseMs, clock), row.id);
    return rowToTask(row, leaseToken);
  });
}
export function nextVisibleAtOf(sql: Statements, orchestrationNames: readonly string[], activityNames: readonly string[], now: number): number | null {
  const inbox = orchestrationNames.length
    ? (sql.nextInboxVisibleAt.get(now, JSON.stringify(orchestrationNames)) as { at: number | null }).at
    : null;
  const tasks = activityNames.length
    ? (sql.nextTaskVisibleAt.get(now, JSON.stringify(activityNames)) as { at: number | null }).at
    : null;
  if (inbox === null) return tasks;
  if (tasks === null) return inbox;
  return Math.min(inbox, tasks);
}
