/**
 * Claims: orchestration episodes (with their visible messages) and activity tasks, leased to a
 * worker. Rows another worker is claiming are skipped, not waited for (FOR UPDATE SKIP
 * LOCKED); the lease's condition is checked again on the row's latest version once locked.
 *
 * Everything but capped activities is claimed by ONE statement: a claim is a round trip
 * whatever it takes, which matters on the latency path (start → first episode) and inside a
 * group commit, whose row locks are held meanwhile. Capped activities count their running
 * attempts under an advisory lock first (see claimCapped).
 */
import type { InboxMessage } from "../../engine/history-event.js";
import { rowToTask, type TaskRow } from "../task-row.js";
import { LIVE_SQL, type ActivityWorkItem, type ClaimedWork, type ClaimRequest, type OrchestrationWorkItem, type WorkClaim } from "../store.js";
import type { Connection, Sql, Statement } from "./connection.js";
import { leaseExpiry } from "../plan/lease.js";


/** `advisoryKey(name)`: the advisory lock under which claims of a capped activity take turns. */
export async function claimWork(sql: Sql, request: WorkClaim, advisoryKey: (activityName: string) => string): Promise<ClaimedWork> {
  const { orchestrations, activities } = request;
  const caps = activities.concurrency ?? {};
  const wantsOrchestrations = orchestrations.limit > 0 && orchestrations.names.length > 0;
  const wantsActivities = activities.limit > 0 && activities.names.length > 0;
  const free = wantsActivities ? activities.names.filter((name) => caps[name] === undefined) : [];
  const capped = wantsActivities ? activities.names.filter((name) => caps[name] !== undefined).sort() : [];
  const claimed: ClaimedWork =
    wantsOrchestrations || free.length > 0
      ? await claimUncapped(sql, CLAIM, wantsOrchestrations ? orchestrations : { ...orchestrations, limit: 0 }, { ...activities, names: free })
      : { orchestrations: [], activities: [] };
  for (const name of capped) {
    if (claimed.activities.length >= activities.limit) break;
    const { tasks, leaseExpiresAt } = await claimCapped(sql, activities, name, caps[name]!, activities.limit - claimed.activities.length, advisoryKey(name));
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
export async function claimAlone(db: Connection, request: WorkClaim, advisoryKey: (activityName: string) => string): Promise<ClaimedWork> {
  const { orchestrations, activities } = request;
  const capped = activities.limit > 0 && activities.names.some((name) => activities.concurrency?.[name] !== undefined);
  if (capped) return db.transaction((sql) => claimWork(sql, request, advisoryKey), { ambiguousCommitSafe: true, leasesOnly: true });
  const wantsOrchestrations = orchestrations.limit > 0 && orchestrations.names.length > 0;
  const wantsActivities = activities.limit > 0 && activities.names.length > 0;
  if (!wantsOrchestrations && !wantsActivities) return { orchestrations: [], activities: [] };
  return claimUncapped(
    db,
    LEASES_ONLY_CLAIM,
    wantsOrchestrations ? orchestrations : { ...orchestrations, limit: 0 },
    wantsActivities ? activities : { ...activities, limit: 0 },
  );
}

async function claimUncapped(
  sql: Pick<Sql, "run">,
  statement: Statement,
  orchestrations: WorkClaim["orchestrations"],
  activities: ClaimRequest,
): Promise<ClaimedWork> {
  const taskLimit = activities.names.length > 0 ? activities.limit : 0;
  const instanceLeaseExpiresAt = leaseExpiry(orchestrations.now, orchestrations.leaseMs);
  const taskLeaseExpiresAt = leaseExpiry(activities.now, activities.leaseMs);
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
): Promise<{ tasks: ActivityWorkItem[]; leaseExpiresAt: number }> {
  await sql.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey]);
  const running = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM activity_tasks WHERE name = $1 AND lease_expires_at > $2",
    [name, request.now],
  );
  const room = Math.min(cap - (running.rows[0]?.n ?? 0), limit);
  const leaseExpiresAt = leaseExpiry(request.now, request.leaseMs);
  if (room <= 0) return { tasks: [], leaseExpiresAt };
  const result = await sql.query<TaskRow & { lease_token: string }>(
    `WITH picked AS (${pickTasks("$1", "$2", "$3")})
     UPDATE activity_tasks t SET lease_owner = $4, lease_token = gen_random_uuid()::text, lease_expires_at = $5
     FROM picked WHERE t.id = picked.id
     RETURNING t.*`,
    [[name], request.now, room, request.workerId, leaseExpiresAt],
  );
  return { tasks: result.rows.sort((a, b) => a.visible_at - b.visible_at || a.id - b.id).map((row) => rowToTask(row, row.lease_token)), leaseExpiresAt };
}

/**
 * Tasks due and unleased, oldest first (arguments: the placeholders of the names, now and the
 * limit). A task of a finished instance (left leased by a worker that died) is never run again.
 */
function pickTasks(names: string, now: string, limit: string): string {
  return `
    SELECT id FROM activity_tasks t
    WHERE name = ANY(${names}::text[]) AND visible_at <= ${now} AND lease_expires_at <= ${now}
      AND EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
        AND i.runtime_status IN ${LIVE_SQL})
    ORDER BY visible_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
}

/**
 * Orchestrations ($1 names, $2 now, $3 stalledBefore, $4 limit, $5 worker, $6 lease expiry,
 * $7 max messages each) and tasks ($8 names, $9 now, $10 limit, $11 worker, $12 lease expiry),
 * answered as one row of JSON arrays: the instances, their messages (flat, in delivery order
 * per instance: a join of the two would be planned from a CTE's poor row estimate, as a
 * nested loop, quadratic in the batch) and the tasks.
 *
 * The messages are read from the statement's snapshot, so an instance is claimed only if its
 * row is still the version that snapshot saw (`unchanged`: same xmin). Otherwise a commit
 * landed between the snapshot and the row lock: the lock re-checks the conditions on the new
 * row, which pass (the lease was just released), and the instance would be handed out with its
 * new history length but the messages that commit consumed — applied twice. Such an instance
 * is left for the next claim. (Under the lock, `i` is the newest row; the sub-select reads the
 * snapshot. It sits in the select list, not the WHERE, so that it runs only for the rows the
 * lock step takes, not for every idle instance the scan passes over.)
 */
const CLAIM_TEXT = `
  WITH picked AS (
    SELECT instance_id, i.xmin = (SELECT s.xmin FROM instances s WHERE s.instance_id = i.instance_id) AS unchanged
    FROM instances i
    WHERE name = ANY($1::text[])
      AND (runtime_status = 'Running' OR (runtime_status = 'Pending' AND start_at <= $2))
      AND lease_expires_at <= $2
      AND (stalled_at IS NULL OR stalled_at < $3)
      AND EXISTS (SELECT 1 FROM inbox m WHERE m.instance_id = i.instance_id AND m.visible_at <= $2)
    LIMIT $4 FOR UPDATE SKIP LOCKED),
  claimed AS (
    UPDATE instances i SET lease_owner = $5, lease_token = gen_random_uuid()::text, lease_expires_at = $6
    FROM picked WHERE i.instance_id = picked.instance_id AND picked.unchanged
    RETURNING i.instance_id, i.name, i.execution_id, i.history_length, i.lease_token),
  visible AS (
    SELECT instance_id, id, message, row_number() OVER (PARTITION BY instance_id ORDER BY visible_at, id) AS n
    FROM inbox WHERE instance_id IN (SELECT instance_id FROM claimed) AND visible_at <= $2),

  picked_tasks AS (${pickTasks("$8", "$9", "$10")}),
  tasks AS (
    UPDATE activity_tasks t SET lease_owner = $11, lease_token = gen_random_uuid()::text, lease_expires_at = $12
    FROM picked_tasks WHERE t.id = picked_tasks.id
    RETURNING t.*)
  SELECT
    (SELECT coalesce(json_agg(c), '[]') FROM claimed c) AS orchestrations,
    (SELECT coalesce(json_agg(json_build_array(v.instance_id, v.id, v.message::json) ORDER BY v.instance_id, v.n), '[]')
     FROM visible v WHERE v.n <= $7) AS messages,
    (SELECT coalesce(json_agg(t ORDER BY t.visible_at, t.id), '[]') FROM tasks t) AS activities`;
/** The claim inside a transaction (a group commit's: its durability must not change). */
const CLAIM: Statement = { name: "baton_claim", text: CLAIM_TEXT };

/**
 * The claim as a transaction of its own: set_config(…, true) lasts the statement's implicit
 * transaction, whose commit then does not wait for the WAL flush. Never run inside another
 * transaction: it would make that whole transaction's commit skip the wait.
 */
const LEASES_ONLY_CLAIM: Statement = {
  name: "baton_claim_leases_only",
  text: `${CLAIM_TEXT},
    ${nextVisibleAt("$1", "$8", "$2")} AS next_visible_at,
    set_config('synchronous_commit', 'off', true) AS leases_only`,
};

/**
 * The earliest time after `now` at which a message for these orchestrations or a task of
 * these activities becomes visible (arguments: placeholders). Each part walks its visible_at
 * index from `now` and stops at the first match, so a cached plan never scans what is already
 * visible (thousands of rows during a burst).
 */
export function nextVisibleAt(orchestrationNames: string, activityNames: string, now: string): string {
  return `least(
    (SELECT m.visible_at FROM inbox m
     WHERE m.visible_at > ${now}
       AND EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = m.instance_id AND i.name = ANY(${orchestrationNames}::text[]))
     ORDER BY m.visible_at LIMIT 1),
    (SELECT visible_at FROM activity_tasks WHERE visible_at > ${now} AND name = ANY(${activityNames}::text[]) ORDER BY visible_at LIMIT 1))`;
}
