/**
 * The PostgreSQL statements of the worker's calls outside a commit: claims, lease renewals,
 * the next visible time, and a worker's announcements. Parameterized text, one constant per
 * operation; the `Statement` ones are prepared once per connection (see connection.ts).
 */
import { LIVE_SQL } from "../../store.js";
import type { Statement } from "../connection.js";

export const ANNOUNCE_FUNCTIONS = `INSERT INTO functions (kind, name, announced_by, announced_at)
    SELECT kind, name, $3, $4 FROM unnest($1::text[], $2::text[]) AS f(kind, name)
    ON CONFLICT (kind, name) DO UPDATE SET announced_by = excluded.announced_by, announced_at = excluded.announced_at`;

export const WORKER_ALIVE = `INSERT INTO workers (worker_id, activities, orchestrations, heartbeat_at, lease_ms) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`;

/** Tasks left leased to executions that ended: $1 now, $2 limit. */
export const DELETE_ORPHANED_TASKS = `DELETE FROM activity_tasks WHERE id IN (
    SELECT t.id FROM activity_tasks t
    WHERE t.lease_token IS NOT NULL AND t.lease_expires_at <= $1
      AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
        AND i.runtime_status IN ${LIVE_SQL})
    LIMIT $2 FOR UPDATE SKIP LOCKED)`;

export const WORKER_STOPPED = "DELETE FROM workers WHERE worker_id = $1";

export const RENEW_INSTANCE_LEASES: Statement = {
  name: "baton_renew_instances",
  text: `UPDATE instances SET lease_expires_at = $1
    WHERE instance_id IN (
      SELECT instance_id FROM instances
      WHERE (instance_id, lease_token) IN (SELECT * FROM unnest($2::text[], $3::text[]))
      FOR UPDATE SKIP LOCKED)`,
};

export const RENEW_TASK_LEASES: Statement = {
  name: "baton_renew_tasks",
  text: `UPDATE activity_tasks SET lease_expires_at = $1
    WHERE id IN (SELECT id FROM activity_tasks WHERE lease_token = ANY($2::text[]) FOR UPDATE SKIP LOCKED)`,
};

/** Leased tasks whose instance is gone, ended or replaced by a new execution. */
export const ENDED_TASKS: Statement = {
  name: "baton_ended_tasks",
  text: `SELECT t.lease_token FROM activity_tasks t
      LEFT JOIN instances i ON i.instance_id = t.instance_id AND i.execution_id = t.execution_id
    WHERE t.lease_token = ANY($1::text[]) AND (i.instance_id IS NULL OR i.runtime_status NOT IN ${LIVE_SQL})`,
};

export const NEXT_VISIBLE_AT: Statement = {
  name: "baton_next_visible_at",
  text: `SELECT ${nextVisibleAt("$2", "$3", "$1")} AS at`,
};

/**
 * Tasks due and unleased, oldest first (arguments: the placeholders of the names, now and the
 * limit). A task of a finished instance (left leased by a worker that died) is never run again.
 */
export function pickTasks(names: string, now: string, limit: string): string {
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
    RETURNING i.instance_id, i.name, i.execution_id, i.history_length, i.lease_token, i.trace_context),
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
export const CLAIM: Statement = { name: "baton_claim", text: CLAIM_TEXT };

/**
 * The claim as a transaction of its own: set_config(…, true) lasts the statement's implicit
 * transaction, whose commit then does not wait for the WAL flush. Never run inside another
 * transaction: it would make that whole transaction's commit skip the wait.
 */
export const LEASES_ONLY_CLAIM: Statement = {
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

/** The turn of a capped activity's claims: an advisory lock held until commit. */
export const TAKE_TURN = "SELECT pg_advisory_xact_lock(hashtext($1))";

/** Attempts of an activity running now ($1 name, $2 now). */
export const COUNT_RUNNING_TASKS = "SELECT count(*)::int AS n FROM activity_tasks WHERE name = $1 AND lease_expires_at > $2";

/** Leases up to $3 due tasks of the names $1 at $2 to worker $4 until $5. */
export const LEASE_CAPPED_TASKS = `WITH picked AS (${pickTasks("$1", "$2", "$3")})
     UPDATE activity_tasks t SET lease_owner = $4, lease_token = gen_random_uuid()::text, lease_expires_at = $5
     FROM picked WHERE t.id = picked.id
     RETURNING t.*`;
