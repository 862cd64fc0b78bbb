/**
 * The PostgreSQL statements of the client's calls: creating, reading, changing and deleting
 * instances, and what a client asks about workers. Parameterized text, one constant per
 * operation; the `Statement` ones are prepared once per connection (see connection.ts).
 */
import { LIVE_SQL } from "../../store.js";
import type { Statement } from "../connection.js";

export const LOCK_INSTANCE_STATUS_AND_EXECUTION = "SELECT runtime_status, execution_id FROM instances WHERE instance_id = $1 FOR UPDATE";

/** A new instance, unless its id is taken. */
export const INSERT_INSTANCE = `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at)
    VALUES ($1, $2, $3, 'Pending', $4, $5, $5, $6) ON CONFLICT (instance_id) DO NOTHING`;

export const LOCK_INSTANCE = "SELECT * FROM instances WHERE instance_id = $1 FOR UPDATE";

export const SELECT_SEGMENTS = "SELECT first_position, events FROM history_segments WHERE instance_id = $1 ORDER BY first_position";

export const DELETE_SEGMENTS = "DELETE FROM history_segments WHERE instance_id = $1";

/** Segments of one instance: ($2 first positions, $3 events as JSON). */
export const INSERT_SEGMENTS = `INSERT INTO history_segments (instance_id, first_position, events)
    SELECT $1, first, events FROM unnest($2::int[], $3::text[]) AS s(first, events)`;

export const REWOUND_INSTANCE = `UPDATE instances SET runtime_status = 'Running', output = NULL, failure = NULL, history_length = $1,
      updated_at = $2, lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE instance_id = $3`;

export const RUNTIME_STATUSES: Statement = {
  name: "baton_runtime_statuses",
  text: "SELECT instance_id, runtime_status FROM instances WHERE instance_id = ANY($1::text[])",
};

export const LOCK_INSTANCE_STATUS_AND_START = "SELECT runtime_status, start_at FROM instances WHERE instance_id = $1 FOR UPDATE";

export const SET_RUNTIME_STATUS = "UPDATE instances SET runtime_status = $1, updated_at = $2 WHERE instance_id = $3";

/** When the queued suspension became visible: the resumption queues right behind it. */
export const SUSPENSION_TIME = "SELECT max(visible_at) AS at FROM inbox WHERE instance_id = $1 AND type = 'Suspend'";

export const LOCK_INSTANCE_STATUS = "SELECT runtime_status FROM instances WHERE instance_id = $1 FOR UPDATE";

export const KNOWN_FUNCTIONS = "SELECT kind, name FROM functions ORDER BY name";

export const SELECT_INSTANCE = "SELECT * FROM instances WHERE instance_id = $1";

/** Workers whose last heartbeat is younger than their lease. */
export const LIVE_WORKERS = "SELECT activities, orchestrations FROM workers WHERE heartbeat_at + lease_ms >= $1";

export const QUEUED_TASK_NAMES = "SELECT DISTINCT name FROM activity_tasks WHERE instance_id = $1 AND execution_id = $2 AND lease_expires_at <= $3";

export const DELETE_INSTANCES = `WITH history_gone AS (DELETE FROM history_segments WHERE instance_id = ANY($1::text[])),
         inbox_gone AS (DELETE FROM inbox WHERE instance_id = ANY($1::text[])),
         tasks_gone AS (DELETE FROM activity_tasks WHERE instance_id = ANY($1::text[]))
    DELETE FROM instances WHERE instance_id = ANY($1::text[])`;

/** A terminated instance must not wait for its start time, nor stay skipped as stalled, nor stay suspended. */
export const WAKE_FOR_TERMINATION = `UPDATE instances SET start_at = least(start_at, $1), stalled_at = NULL,
      runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Running' ELSE runtime_status END
    WHERE instance_id = ANY($2::text[])`;

/** New instances with their start messages, one statement for a turn's starts (see client-batches.ts). */
export const INSERT_STARTS: Statement = {
  name: "baton_insert_starts",
  text: `
    WITH requested AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[]) WITH ORDINALITY
        AS r(instance_id, name, execution_id, input, created_at, start_at, message, n)),
    inserted AS (
      INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at)
      SELECT DISTINCT ON (instance_id) instance_id, name, execution_id, 'Pending', input, created_at, created_at, start_at
      FROM requested ORDER BY instance_id, n
      ON CONFLICT (instance_id) DO NOTHING
      RETURNING instance_id, execution_id),
    started AS (
      INSERT INTO inbox (instance_id, type, message, visible_at)
      SELECT r.instance_id, 'ExecutionStarted', r.message, r.start_at
      FROM requested r JOIN inserted i ON i.instance_id = r.instance_id AND i.execution_id = r.execution_id
      ORDER BY r.n)
    SELECT instance_id, execution_id FROM inserted`,
};

export const READ_INSTANCES: Statement = { name: "baton_read_instances", text: "SELECT * FROM instances WHERE instance_id = ANY($1::text[])" };

export const READ_HISTORIES: Statement = {
  name: "baton_read_histories",
  text: "SELECT instance_id, events FROM history_segments WHERE instance_id = ANY($1::text[]) ORDER BY instance_id, first_position",
};

/** Raised events for the instances that still take them, one statement for a turn's events (see client-batches.ts). */
export const INSERT_EVENTS: Statement = {
  name: "baton_insert_events",
  text: `
    WITH requested AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS r(instance_id, message, now, n)),
  target AS (
    SELECT instance_id, runtime_status, start_at FROM instances
    WHERE instance_id IN (SELECT instance_id FROM requested)
    ORDER BY instance_id FOR UPDATE),
  queued AS (
    INSERT INTO inbox (instance_id, type, message, visible_at)
    SELECT r.instance_id, 'EventRaised', r.message,
      CASE WHEN t.runtime_status = 'Pending' THEN greatest(r.now, t.start_at) ELSE r.now END
    FROM requested r JOIN target t ON t.instance_id = r.instance_id
    WHERE t.runtime_status IN ${LIVE_SQL}
    ORDER BY r.n)
  SELECT instance_id, runtime_status FROM target`,
};

/** A page of instances: the filter's terms (see instance-filter.ts), the placeholder of the limit. */
export function listInstances(where: readonly string[], limit: string): string {
  return (
    `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
    `ORDER BY created_at, instance_id LIMIT ${limit}`
  );
}

/** Finished instances to purge, locked (those another purge holds are skipped). */
export function lockPurgeable(where: readonly string[], limit: string): string {
  return `SELECT instance_id FROM instances WHERE ${where.join(" AND ")} LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
}

// The dashboard's reads (dashboard-reads.ts).
export const SELECT_WORKERS = "SELECT * FROM workers WHERE heartbeat_at + lease_ms >= $1 ORDER BY worker_id";

export const SELECT_HISTORY_LENGTH = "SELECT history_length FROM instances WHERE instance_id = $1";

/** The segment holding position $2 and those after it, up to position $3 (excluded). */
export const SELECT_SEGMENTS_IN_RANGE = `SELECT first_position, events FROM history_segments
    WHERE instance_id = $1 AND first_position < $3
      AND first_position >= coalesce((SELECT max(first_position) FROM history_segments
        WHERE instance_id = $1 AND first_position <= $2), 0)
    ORDER BY first_position`;

export const SELECT_CHANGED_SINCE = `SELECT instance_id, name, runtime_status, created_at, updated_at FROM instances
    WHERE updated_at >= $1 ORDER BY updated_at DESC LIMIT $2`;

/** How many instances match the filter's terms, stopping at the limit's placeholder when there is one. */
export function countInstancesWhere(where: readonly string[], limit: string | undefined): string {
  return limit === undefined
    ? `SELECT count(*) AS n FROM instances WHERE ${where.join(" AND ")}`
    : `SELECT count(*) AS n FROM (SELECT 1 FROM instances WHERE ${where.join(" AND ")} LIMIT ${limit}) AS capped`;
}
