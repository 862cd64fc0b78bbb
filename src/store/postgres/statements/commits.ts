/**
 * The PostgreSQL statements of a commit: the episodes' set-based write, continueAsNew, child
 * starts, activity outcomes and the other ops, and the inserts they share. Parameterized
 * text, one constant per operation; the `Statement` ones are prepared once per connection.
 */
import { LIVE_SQL } from "../../store.js";
import type { Statement } from "../connection.js";

/** Every instance a batch touches, locked in one order. */
export const LOCK_INSTANCES: Statement = {
  name: "baton_lock_instances",
  text: "SELECT 1 FROM instances WHERE instance_id = ANY($1::text[]) ORDER BY instance_id FOR UPDATE",
};

export const DELETE_LEASED_TASKS: Statement = {
  name: "baton_delete_tasks",
  text: "DELETE FROM activity_tasks WHERE lease_token = ANY($1::text[]) RETURNING lease_token",
};

/** Executions still running, locked (in a fixed order) so that an episode ending one concurrently is waited for, not raced. */
export const LOCK_LIVE_EXECUTIONS: Statement = {
  name: "baton_live_executions",
  text: `SELECT instance_id, execution_id FROM instances
    WHERE (instance_id, execution_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      AND runtime_status IN ${LIVE_SQL}
    ORDER BY instance_id FOR SHARE`,
};

/** A termination queued after the stalled episode was claimed keeps the instance claimable: the next episode ends it without running its code. */
export const STALL_INSTANCE = `UPDATE instances SET stalled_code = $1, stalled_message = $2, stalled_since = coalesce(stalled_since, $3),
      stalled_at = CASE WHEN EXISTS (SELECT 1 FROM inbox WHERE inbox.instance_id = $4 AND inbox.type = 'Terminate')
        THEN NULL ELSE $3 END,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE instance_id = $4 AND lease_token = $5`;

export const RELEASE_INSTANCE = "UPDATE instances SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0 WHERE instance_id = $1 AND lease_token = $2";

export const RETRY_TASK = `UPDATE activity_tasks SET attempt = $1, visible_at = $2, last_error = $3, heartbeat_details = coalesce($4, heartbeat_details),
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE lease_token = $5`;

export const RELEASE_TASK = "UPDATE activity_tasks SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0 WHERE lease_token = $1";

/** continueAsNew, fenced like an episode: the instance row becomes the next generation's. */
export const START_NEXT_GENERATION = `UPDATE instances SET
      execution_id = $1,
      runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Suspended' ELSE 'Running' END,
      input = $2, output = NULL, failure = NULL, awaiting = NULL,
      custom_status = CASE WHEN $3 THEN $4 ELSE custom_status END,
      history_length = 0, updated_at = $5,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0,
      stalled_code = NULL, stalled_message = NULL, stalled_since = NULL, stalled_at = NULL
    WHERE instance_id = $6 AND lease_token = $7 AND history_length = $8
      AND (SELECT count(*) FROM inbox WHERE inbox.instance_id = $6 AND inbox.id = ANY($9::bigint[])) = cardinality($9::bigint[])
    RETURNING name`;

/** What the ending generation leaves: its history, idle tasks, consumed messages and the queued messages of the types it drops ($4). */
export const DROP_ENDED_GENERATION = `WITH history_gone AS (DELETE FROM history_segments WHERE instance_id = $1),
         tasks_gone AS (DELETE FROM activity_tasks WHERE instance_id = $1 AND lease_expires_at <= $2)
    DELETE FROM inbox WHERE instance_id = $1 AND (id = ANY($3::bigint[]) OR type = ANY($4::text[]))`;

/** A child instance, unless its id is taken. */
export const INSERT_CHILD = `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at,
      parent_instance_id, parent_execution_id, parent_seq, trace_context)
    VALUES ($1, $2, $3, 'Pending', $4, $5, $5, $5, $6, $7, $8, $9) ON CONFLICT (instance_id) DO NOTHING`;

export const LOCK_LIVE_CHILDREN = `SELECT instance_id FROM instances WHERE parent_instance_id = $1 AND parent_execution_id = $2 AND runtime_status IN ${LIVE_SQL}
    ORDER BY instance_id FOR UPDATE`;

export const RUNS_EXECUTION = "SELECT 1 FROM instances WHERE instance_id = $1 AND execution_id = $2";

/** Queues messages in the given order (one statement): the serial ids keep it. */
export const INSERT_MESSAGES: Statement = {
  name: "baton_insert_messages",
  text: `INSERT INTO inbox (instance_id, type, seq, message, visible_at)
    SELECT instance_id, type, seq, message, visible_at
    FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[]) WITH ORDINALITY
      AS m(instance_id, type, seq, message, visible_at, n)
    ORDER BY n`,
};

export const LOCK_LIVE_EXECUTION = `SELECT instance_id FROM instances WHERE instance_id = $1 AND execution_id = $2 AND runtime_status IN ${LIVE_SQL} FOR SHARE`;

export const INSERT_TASKS = `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      first_visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context)
    SELECT instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context
    FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
      $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[]) WITH ORDINALITY
      AS t(instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
        visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context, n)
    ORDER BY n`;

/**
 * Every part but the update runs only for the instances whose fenced update matched: the
 * lease token and history length are still those the episode was run from, and every message
 * it consumed is still queued for that instance (a message is consumed once, whatever a
 * confused worker sends). `$guard` is an extra condition of that update.
 */
const EPISODES_TEXT = `
  WITH episode AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[],
      $9::int[], $10::text[], $11::bool[], $33::int[], $34::text[])
      AS e(instance_id, lease_token, history_before, status, output, failure, has_custom, custom, new_events, events, finished,
        consumed, awaiting)),
  present AS (
    SELECT instance_id, count(*) AS n FROM inbox WHERE id = ANY($13::bigint[]) GROUP BY instance_id),
  updated AS (
    UPDATE instances i SET
      runtime_status = CASE WHEN i.runtime_status = 'Suspended' AND e.status = 'Running' THEN 'Suspended' ELSE e.status END,
      output = CASE WHEN e.status = 'Running' THEN i.output ELSE e.output END,
      failure = e.failure,
      custom_status = CASE WHEN e.has_custom THEN e.custom ELSE i.custom_status END,
      awaiting = e.awaiting,
      history_length = i.history_length + e.new_events,
      updated_at = $12,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0,
      stalled_code = NULL, stalled_message = NULL, stalled_since = NULL, stalled_at = NULL
    FROM episode e
    WHERE i.instance_id = e.instance_id AND i.lease_token = e.lease_token AND i.history_length = e.history_before
      AND e.consumed = coalesce((SELECT n FROM present p WHERE p.instance_id = e.instance_id), 0) $guard
    RETURNING i.instance_id, i.parent_instance_id, i.parent_execution_id, i.parent_seq),
  committed AS (
    SELECT e.* FROM episode e JOIN updated u ON u.instance_id = e.instance_id),
  segments AS (
    INSERT INTO history_segments (instance_id, first_position, events, lease_token)
    SELECT instance_id, history_before, events, lease_token FROM committed WHERE new_events > 0),
  consumed AS (
    DELETE FROM inbox WHERE id = ANY($13::bigint[]) AND instance_id IN (SELECT instance_id FROM updated)),
  idle_tasks_gone AS (
    DELETE FROM activity_tasks
    WHERE instance_id IN (SELECT instance_id FROM committed WHERE finished) AND lease_expires_at <= $12),
  new_tasks AS (
    INSERT INTO activity_tasks (instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      first_visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context)
    SELECT instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context
    FROM unnest($14::text[], $15::text[], $16::int[], $17::text[], $18::text[], $19::int[], $20::text[], $21::text[],
      $22::bigint[], $23::text[], $24::text[], $25::bigint[], $26::bigint[], $35::text[]) WITH ORDINALITY
      AS t(instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
        visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, trace_context, n)
    WHERE instance_id IN (SELECT instance_id FROM updated)
    ORDER BY n),
  new_timers AS (
    INSERT INTO inbox (instance_id, type, seq, message, visible_at)
    SELECT instance_id, 'TimerFired', seq, message, visible_at
    FROM unnest($27::text[], $28::int[], $29::text[], $30::bigint[]) WITH ORDINALITY AS m(instance_id, seq, message, visible_at, n)
    WHERE instance_id IN (SELECT instance_id FROM updated)
    ORDER BY n),
  cancelled_timers AS (
    DELETE FROM inbox USING unnest($31::text[], $32::int[]) AS c(instance_id, seq)
    WHERE inbox.instance_id = c.instance_id AND inbox.type = 'TimerFired' AND inbox.seq = c.seq
      AND c.instance_id IN (SELECT instance_id FROM updated))
  SELECT * FROM updated`;

export const EPISODES_STATEMENT: Statement = { name: "baton_episodes", text: EPISODES_TEXT.replace("$guard", "") };

/**
 * One episode as a transaction of its own (one round trip): only when it has nothing to send
 * another instance. Its update does not match an instance that has a parent to tell of its
 * end; the caller then commits it the usual way.
 */
export const LONE_EPISODE_STATEMENT: Statement = {
  name: "baton_lone_episode",
  text: EPISODES_TEXT.replace("$guard", "AND NOT (e.finished AND i.parent_instance_id IS NOT NULL)"),
};

/** Of these (instance, first position, lease token), the segments in place: episodes an earlier attempt applied. */
export const APPLIED_EARLIER: Statement = {
  name: "baton_applied_earlier",
  text: `SELECT instance_id FROM history_segments
             WHERE (instance_id, first_position, lease_token) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]))`,
};
