/**
 * Claims: orchestration episodes (with their visible messages) and activity tasks, leased to a
 * worker, and the renewal of those leases. Rows another worker is claiming are skipped, not waited for (FOR UPDATE SKIP
 * LOCKED); the lease's condition is checked again on the row's latest version once locked.
 *
 * Everything but capped activities is claimed by ONE statement: a claim is a round trip
 * whatever it takes, which matters on the latency path (start → first episode) and inside a
 * group commit, whose row locks are held meanwhile. Capped activities count their running
 * attempts under an advisory lock first (see claimCapped).
 */
import type { InboxMessage } from "../../engine/history-event.js";
import { rowToTask, type TaskRow } from "../task-row.js";
import { type ActivityWorkItem, type InstanceLease, type ClaimedWork, type ClaimRequest, type OrchestrationWorkItem, type WorkClaim } from "../store.js";
import type { Connection, Sql, Statement } from "./connection.js";
import { leaseExpiry, type Clock } from "../plan/lease.js";
import {
  CLAIM,
  COUNT_RUNNING_TASKS,
  ENDED_TASKS,
  LEASE_CAPPED_TASKS,
  LEASES_ONLY_CLAIM,
  RENEW_INSTANCE_LEASES,
  RENEW_TASK_LEASES,
  TAKE_TURN,
} from "./statements/work.js";

/** `advisoryKey(name)`: the advisory lock under which claims of a capped activity take turns. */
export async function claimWork(
  sql: Sql,
  request: WorkClaim,
  advisoryKey: (activityName: string) => string,
  clock: Clock,
): Promise<ClaimedWork> {
  const { orchestrations, activities } = request;
  const caps = activities.concurrency ?? {};
  const wantsOrchestrations = orchestrations.limit > 0 && orchestrations.names.length > 0;
  const wantsActivities = activities.limit > 0 && activities.names.length > 0;
  const free = wantsActivities ? activities.names.filter((name) => caps[name] === undefined) : [];
  const capped = wantsActivities ? activities.names.filter((name) => caps[name] !== undefined).sort() : [];
  const claimed: ClaimedWork =
    wantsOrchestrations || free.length > 0
      ? await claimUncapped(sql, CLAIM, wantsOrchestrations ? orchestrations : { ...orchestrations, limit: 0 }, { ...activities, names: free }, clock)
      : { orchestrations: [], activities: [] };
  for (const name of capped) {
    if (claimed.activities.length >= activities.limit) break;
    const { tasks, leaseExpiresAt } = await claimCapped(sql, activities, name, caps[name]!, activities.limit - claimed.activities.length, advisoryKey(name), clock);
    claimed.activities.push(...tasks);
    if (tasks.length > 0) claimed.leasesExpireAt = Math.min(claimed.leasesExpireAt ?? Infinity, leaseExpiresAt);
  }
  return claimed;
}

/**
 * A claim on its own, outside any other transaction. Without capped activities it is one
 * statement in a transaction of its own that does not wait for its WAL flush (it writes only
 * leases: like SQLite's lease-only transactions; a lease lost in a server crash belonged to a
 * claim nobody acted on durably, and the next durable commit flushes it). Safe to repeat: a
 * claim whose answer was lost leaves its leases to expire.
 */
export async function claimAlone(
  db: Connection,
  request: WorkClaim,
  advisoryKey: (activityName: string) => string,
  clock: Clock,
): Promise<ClaimedWork> {
  const { orchestrations, activities } = request;
  const capped = activities.limit > 0 && activities.names.some((name) => activities.concurrency?.[name] !== undefined);
  if (capped) return db.transaction((sql) => claimWork(sql, request, advisoryKey, clock), { ambiguousCommitSafe: true, leasesOnly: true });
  const wantsOrchestrations = orchestrations.limit > 0 && orchestrations.names.length > 0;
  const wantsActivities = activities.limit > 0 && activities.names.length > 0;
  if (!wantsOrchestrations && !wantsActivities) return { orchestrations: [], activities: [] };
  return claimUncapped(
    db,
    LEASES_ONLY_CLAIM,
    wantsOrchestrations ? orchestrations : { ...orchestrations, limit: 0 },
    wantsActivities ? activities : { ...activities, limit: 0 },
    clock,
  );
}

async function claimUncapped(
  sql: Pick<Sql, "run">,
  statement: Statement,
  orchestrations: WorkClaim["orchestrations"],
  activities: ClaimRequest,
  clock: Clock,
): Promise<ClaimedWork> {
  const taskLimit = activities.names.length > 0 ? activities.limit : 0;
  const instanceLeaseExpiresAt = leaseExpiry(orchestrations.now, orchestrations.leaseMs, clock);
  const taskLeaseExpiresAt = leaseExpiry(activities.now, activities.leaseMs, clock);
  const result = await sql.run<{
    orchestrations: ClaimedInstance[];
    messages: [instanceId: string, id: number, message: InboxMessage][];
    activities: (TaskRow & { lease_token: string })[];
    next_visible_at?: number | null;
  }>(statement, [
    orchestrations.names,
    orchestrations.now,
    orchestrations.stalledBefore,
    orchestrations.limit,
    orchestrations.workerId,
    instanceLeaseExpiresAt,
    orchestrations.maxMessages,
    activities.names,
    activities.now,
    taskLimit,
    activities.workerId,
    taskLeaseExpiresAt,
  ]);
  const row = result.rows[0]!;
  const messagesOf = new Map<string, { id: number; message: InboxMessage }[]>();
  for (const [instanceId, id, message] of row.messages) {
    let list = messagesOf.get(instanceId);
    if (!list) messagesOf.set(instanceId, (list = []));
    list.push({ id, message });
  }
  return {
    orchestrations: row.orchestrations.map(
      (instance): OrchestrationWorkItem => ({
        instanceId: instance.instance_id,
        name: instance.name,
        executionId: instance.execution_id,
        historyLength: instance.history_length,
        leaseToken: instance.lease_token,
        messages: messagesOf.get(instance.instance_id) ?? [],
        ...(instance.trace_context === null ? {} : { traceContext: instance.trace_context }),
      }),
    ),
    activities: row.activities.map((task) => rowToTask(task, task.lease_token)),
    ...(row.next_visible_at === undefined ? {} : { nextVisibleAt: row.next_visible_at }),
    leasesExpireAt: Math.min(instanceLeaseExpiresAt, taskLeaseExpiresAt),
  };
}

interface ClaimedInstance {
  instance_id: string;
  name: string;
  execution_id: string;
  history_length: number;
  lease_token: string;
  trace_context: string | null;
}

/**
 * Claims of a capped activity take turns (an advisory lock held until commit), so two workers
 * never both count the same free slot. Names are locked in order: no deadlock.
 */
async function claimCapped(
  sql: Sql,
  request: ClaimRequest,
  name: string,
  cap: number,
  limit: number,
  lockKey: string,
  clock: Clock,
): Promise<{ tasks: ActivityWorkItem[]; leaseExpiresAt: number }> {
  await sql.query(TAKE_TURN, [lockKey]);
  const running = await sql.query<{ n: number }>(
    COUNT_RUNNING_TASKS,
    [name, request.now],
  );
  const room = Math.min(cap - (running.rows[0]?.n ?? 0), limit);
  const leaseExpiresAt = leaseExpiry(request.now, request.leaseMs, clock);
  if (room <= 0) return { tasks: [], leaseExpiresAt };
  const result = await sql.query<TaskRow & { lease_token: string }>(
    LEASE_CAPPED_TASKS,
    [[name], request.now, room, request.workerId, leaseExpiresAt],
  );
  return { tasks: result.rows.sort((a, b) => a.visible_at - b.visible_at || a.id - b.id).map((row) => rowToTask(row, row.lease_token)), leaseExpiresAt };
}

/**
 * Extends leases to `leaseMs` from when the renewal takes effect; answers the task lease tokens
 * whose instance has ended meanwhile (see WorkQueue.renewLeases).
 */
export async function renewLeases(
  db: Connection,
  instanceLeases: readonly InstanceLease[],
  taskTokens: readonly string[],
  now: number,
  leaseMs: number,
  clock: Clock,
): Promise<{ endedTaskTokens: string[] }> {
  if (instanceLeases.length === 0 && taskTokens.length === 0) return { endedTaskTokens: [] };
  return db.transaction(async (sql) => {
    const leaseExpiresAt = leaseExpiry(now, leaseMs, clock);
    // Rows a commit holds are skipped, not waited for: that commit is about to end or change
    // the lease, and waiting would lock in the opposite order to commits (deadlocks). A lease
    // skipped now is renewed at the next round, well before it expires.
    // Found by instance id: lease_token is not indexed, so that lease changes stay HOT updates.
    if (instanceLeases.length > 0) {
      await sql.run(
        RENEW_INSTANCE_LEASES,
        [leaseExpiresAt, instanceLeases.map((lease) => lease.instanceId), instanceLeases.map((lease) => lease.leaseToken)],
      );
    }
    if (taskTokens.length === 0) return { endedTaskTokens: [] };
    await sql.run(
      RENEW_TASK_LEASES,
      [leaseExpiresAt, taskTokens],
    );
    // Leased tasks whose instance is gone, ended or replaced by a new execution.
    const ended = await sql.run<{ lease_token: string }>(
      ENDED_TASKS,
      [taskTokens],
    );
    return { endedTaskTokens: ended.rows.map((row) => row.lease_token) };
  }, { ambiguousCommitSafe: true, leasesOnly: true });
}
