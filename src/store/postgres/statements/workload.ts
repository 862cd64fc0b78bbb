/**
 * The PostgreSQL statements of a metrics scrape (see ../../workload.ts): ready work through the
 * `visible_at` indexes, live statuses through the status index, finished ones from the
 * +1/−1 rows the triggers of migration 004 append to finished_counts.
 */
import { LIVE_SQL } from "../../store.js";
import type { Statement } from "../connection.js";

/*
 * Both ready-work queries start from the queued rows that are due and look each one's instance
 * up by its key, in a LATERAL subquery with LIMIT 1: the planner cannot pull it up into a join
 * (an EXISTS it can, and did: a merge join along the whole primary key of instances), so the
 * cost follows the work due, not the size of the store.
 */

/** Instances with a visible message that a worker could claim now ($1 now), per name. */
export const READY_ORCHESTRATIONS: Statement = {
  name: "baton_ready_orchestrations",
  text: `SELECT i.name, count(DISTINCT m.instance_id) AS items, min(m.visible_at) AS oldest
    FROM inbox m CROSS JOIN LATERAL (
      SELECT name FROM instances i WHERE i.instance_id = m.instance_id
        AND (i.runtime_status = 'Running' OR (i.runtime_status = 'Pending' AND i.start_at <= $1))
        AND i.lease_expires_at <= $1 AND i.stalled_at IS NULL
      LIMIT 1) i
    WHERE m.visible_at <= $1
    GROUP BY i.name`,
};

/** Tasks visible and unleased ($1 now) of live executions, per name. */
export const READY_ACTIVITIES: Statement = {
  name: "baton_ready_activities",
  text: `SELECT t.name, count(*) AS items, min(t.visible_at) AS oldest
    FROM activity_tasks t CROSS JOIN LATERAL (
      SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
        AND i.runtime_status IN ${LIVE_SQL}
      LIMIT 1) live
    WHERE t.visible_at <= $1 AND t.lease_expires_at <= $1
    GROUP BY t.name`,
};

export const COUNT_LIVE_INSTANCES = `SELECT runtime_status, count(*) AS n FROM instances WHERE runtime_status IN ${LIVE_SQL} GROUP BY runtime_status`;

/** The count per finished status, and how many rows hold them (`rows`: time to fold them). */
export const SUM_FINISHED_COUNTS = "SELECT runtime_status, sum(instances) AS n, count(*) AS rows FROM finished_counts GROUP BY runtime_status";

/** One scrape at a time folds the appended rows ($1: the lock's key); another meanwhile skips it. */
export const TRY_FOLD_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got";

/**
 * Replaces the rows of each status by their sum. Atomic, and the sums stay the same whether or
 * not it lands: its commit need not wait for the WAL flush.
 */
export const FOLD_FINISHED_COUNTS = `WITH gone AS (DELETE FROM finished_counts RETURNING runtime_status, instances)
  INSERT INTO finished_counts (runtime_status, instances)
    SELECT runtime_status, sum(instances) FROM gone GROUP BY runtime_status`;
