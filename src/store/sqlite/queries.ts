import type Database from "better-sqlite3";
import { LIVE_SQL as LIVE } from "../store.js";

/**
 * Part of an episode's fence: every message it consumed (@consumed, a JSON array of ids) is
 * still queued for its instance. A message is consumed once, whatever a confused worker sends.
 */
const CONSUMED_STILL_QUEUED = `(SELECT count(*) FROM inbox WHERE instance_id = @instanceId AND id IN (SELECT value FROM json_each(@consumed)))
      = json_array_length(@consumed)`;

/** Every SQL statement of the SQLite store, one per operation, prepared once per store. */
export const SQL = {
  selectInstance: `SELECT * FROM instances WHERE instance_id = ?`,
  selectInstanceStatus: `SELECT runtime_status, start_at FROM instances WHERE instance_id = ?`,
  selectRuntimeStatuses: `SELECT instance_id, runtime_status FROM instances WHERE instance_id IN (SELECT value FROM json_each(?))`,
  insertInstance: `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at)
    VALUES (?, ?, ?, 'Pending', ?, ?, ?, ?)`,
  // A terminated instance must not wait for its start time, nor stay skipped as stalled.
  wakeForTermination: `UPDATE instances SET start_at = min(start_at, ?), stalled_at = NULL,
      runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Running' ELSE runtime_status END
    WHERE instance_id = ?`,
  // A suspended instance is not claimed: its messages wait in the inbox until it resumes.
  selectSuspendTime: `SELECT max(visible_at) AS at FROM inbox WHERE instance_id = ? AND json_extract(message, '$.type') = 'Suspend'`,
  setRuntimeStatus: `UPDATE instances SET runtime_status = ?, updated_at = ? WHERE instance_id = ?`,
  deleteInstance: `DELETE FROM instances WHERE instance_id = ?`,
  selectHistory: `SELECT events FROM history_segments WHERE instance_id = ? ORDER BY first_position`,
  insertHistorySegment: `INSERT INTO history_segments (instance_id, first_position, events, lease_token) VALUES (?, ?, ?, ?)`,
  selectSegmentOfLease: `SELECT 1 FROM history_segments WHERE instance_id = ? AND first_position = ? AND lease_token = ?`,
  deleteHistory: `DELETE FROM history_segments WHERE instance_id = ?`,
  deleteHistoryFrom: `DELETE FROM history_segments WHERE instance_id = ? AND first_position >= ?`,
  selectSegments: `SELECT first_position, events FROM history_segments WHERE instance_id = ? ORDER BY first_position`,
  rewoundInstance: `UPDATE instances SET runtime_status = 'Running', output = NULL, failure = NULL, history_length = ?,
      updated_at = ?, lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE instance_id = ?`,

  insertMessage: `INSERT INTO inbox (instance_id, message, visible_at) VALUES (?, ?, ?)`,
  insertMessageIfLive: `INSERT INTO inbox (instance_id, message, visible_at) SELECT ?, ?, ?
    WHERE EXISTS (SELECT 1 FROM instances WHERE instance_id = ? AND execution_id = ? AND runtime_status IN ${LIVE})`,
  deleteMessage: `DELETE FROM inbox WHERE id = ?`,
  deleteTimerMessage: `DELETE FROM inbox WHERE instance_id = ?
    AND json_extract(message, '$.type') = 'TimerFired' AND json_extract(message, '$.seq') = ?`,
  deleteInbox: `DELETE FROM inbox WHERE instance_id = ?`,

  selectClaimableInstances: `SELECT instance_id, name, execution_id, history_length FROM instances
    WHERE instance_id IN (SELECT instance_id FROM inbox WHERE visible_at <= ?)
      AND name IN (SELECT value FROM json_each(?))
      AND (runtime_status = 'Running' OR (runtime_status = 'Pending' AND start_at <= ?))
      AND lease_expires_at <= ?
      AND (stalled_at IS NULL OR stalled_at < ?)
    LIMIT ?`,
  // One statement each for all the instances of a claim: [instance id, lease token] pairs in JSON.
  leaseInstances: `UPDATE instances SET lease_owner = ?, lease_expires_at = ?, lease_token = claim.value ->> 1
    FROM json_each(?) AS claim WHERE instances.instance_id = claim.value ->> 0`,
  selectVisibleMessagesOf: `SELECT instance_id, id, message FROM (
      SELECT m.instance_id, m.id, m.message,
        row_number() OVER (PARTITION BY m.instance_id ORDER BY m.visible_at, m.id) AS n
      FROM json_each(?) AS claimed JOIN inbox m ON m.instance_id = claimed.value
      WHERE m.visible_at <= ?)
    WHERE n <= ? ORDER BY instance_id, n`,
  renewInstanceLeases: `UPDATE instances SET lease_expires_at = ? WHERE lease_token IN (SELECT value FROM json_each(?))`,
  releaseInstance: `UPDATE instances SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE instance_id = ? AND lease_token = ?`,
  updateInstanceAfterEpisode: `UPDATE instances SET
      runtime_status = CASE WHEN runtime_status = 'Suspended' AND @status = 'Running' THEN 'Suspended' ELSE @status END,
      output = CASE WHEN @status = 'Running' THEN output ELSE @output END,
      failure = @failure,
      custom_status = CASE WHEN @customStatusChanged = 1 THEN @customStatus ELSE custom_status END,
      history_length = history_length + @added,
      updated_at = @now,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0,
      stalled_code = NULL, stalled_message = NULL, stalled_since = NULL, stalled_at = NULL
    WHERE instance_id = @instanceId AND lease_token = @leaseToken AND history_length = @historyLengthBefore
      AND ${CONSUMED_STILL_QUEUED}`,
  // The next generation of a continueAsNew: a new execution, an empty history, the lease released.
  startNextGeneration: `UPDATE instances SET
      execution_id = @executionId,
      runtime_status = CASE WHEN runtime_status = 'Suspended' THEN 'Suspended' ELSE 'Running' END,
      input = @input, output = NULL, failure = NULL,
      custom_status = CASE WHEN @customStatusChanged = 1 THEN @customStatus ELSE custom_status END,
      history_length = 0, updated_at = @now,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0,
      stalled_code = NULL, stalled_message = NULL, stalled_since = NULL, stalled_at = NULL
    WHERE instance_id = @instanceId AND lease_token = @leaseToken AND history_length = @historyLengthBefore
      AND ${CONSUMED_STILL_QUEUED}`,
  // Results of the ending generation's calls: its sequence numbers mean nothing to the next one.
  deleteMessagesOfTypes: `DELETE FROM inbox WHERE instance_id = ?
    AND json_extract(message, '$.type') IN (SELECT value FROM json_each(?))`,
  insertChildInstance: `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, created_at, updated_at, start_at,
      parent_instance_id, parent_execution_id, parent_seq)
    VALUES (?, ?, ?, 'Pending', ?, ?, ?, ?, ?, ?, ?)`,
  selectParent: `SELECT parent_instance_id, parent_execution_id, parent_seq FROM instances
    WHERE instance_id = ? AND parent_instance_id IS NOT NULL`,
  selectLiveChildren: `SELECT instance_id FROM instances
    WHERE parent_instance_id = ? AND parent_execution_id = ? AND runtime_status IN ${LIVE}`,
  // An instance with a termination waiting (queued after the stalled episode was claimed) stays
  // claimable: the next episode ends it without running its code.
  stallInstance: `UPDATE instances SET stalled_code = ?, stalled_message = ?, stalled_since = coalesce(stalled_since, ?),
      stalled_at = CASE WHEN EXISTS (SELECT 1 FROM inbox WHERE inbox.instance_id = instances.instance_id
        AND json_extract(inbox.message, '$.type') = 'Terminate') THEN NULL ELSE ? END,
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE instance_id = ? AND lease_token = ?`,

  insertTask: `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      first_visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // A task of a finished instance (left leased by a worker that died) is never run again.
  selectClaimableTasks: `SELECT * FROM activity_tasks t
    WHERE visible_at <= ? AND lease_expires_at <= ? AND name IN (SELECT value FROM json_each(?))
      AND EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
        AND i.runtime_status IN ${LIVE})
    ORDER BY visible_at, id LIMIT ?`,
  countRunningTasks: `SELECT name, count(*) AS n FROM activity_tasks
    WHERE lease_expires_at > ? AND name IN (SELECT value FROM json_each(?)) GROUP BY name`,
  leaseTask: `UPDATE activity_tasks SET lease_owner = ?, lease_token = ?, lease_expires_at = ? WHERE id = ?`,
  renewTaskLeases: `UPDATE activity_tasks SET lease_expires_at = ? WHERE lease_token IN (SELECT value FROM json_each(?))`,
  // Leased tasks whose instance is gone, ended or replaced by a new execution.
  selectEndedTaskTokens: `SELECT t.lease_token FROM json_each(?) AS leased
      JOIN activity_tasks t ON t.lease_token = leased.value
      LEFT JOIN instances i ON i.instance_id = t.instance_id AND i.execution_id = t.execution_id
    WHERE i.instance_id IS NULL OR i.runtime_status NOT IN ${LIVE}`,
  deleteLeasedTask: `DELETE FROM activity_tasks WHERE lease_token = ?`,
  retryTask: `UPDATE activity_tasks SET attempt = ?, visible_at = ?, last_error = ?, heartbeat_details = coalesce(?, heartbeat_details),
      lease_owner = NULL, lease_token = NULL, lease_expires_at = 0
    WHERE lease_token = ?`,
  releaseTask: `UPDATE activity_tasks SET lease_owner = NULL, lease_token = NULL, lease_expires_at = 0 WHERE lease_token = ?`,
  deleteTasksOfInstance: `DELETE FROM activity_tasks WHERE instance_id = ?`,
  deleteUnleasedTasksOfInstance: `DELETE FROM activity_tasks WHERE instance_id = ? AND lease_expires_at <= ?`,
  // Found through the lease-token index: only leased tasks are looked at.
  deleteOrphanedTasks: `DELETE FROM activity_tasks WHERE id IN (
      SELECT t.id FROM activity_tasks t
      WHERE t.lease_token IS NOT NULL AND t.lease_expires_at <= ?
        AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.instance_id = t.instance_id AND i.execution_id = t.execution_id
          AND i.runtime_status IN ${LIVE})
      LIMIT ?)`,

  nextInboxVisibleAt: `SELECT min(m.visible_at) AS at FROM inbox m JOIN instances i ON i.instance_id = m.instance_id
    WHERE m.visible_at > ? AND i.name IN (SELECT value FROM json_each(?))`,
  nextTaskVisibleAt: `SELECT min(visible_at) AS at FROM activity_tasks
    WHERE visible_at > ? AND name IN (SELECT value FROM json_each(?))`,

  upsertFunction: `INSERT INTO functions (kind, name, announced_by, announced_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (kind, name) DO UPDATE SET announced_by = excluded.announced_by, announced_at = excluded.announced_at`,
  selectFunctions: `SELECT kind, name FROM functions`,
  upsertWorker: `INSERT INTO workers (worker_id, activities, orchestrations, heartbeat_at, lease_ms) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
  deleteWorker: `DELETE FROM workers WHERE worker_id = ?`,
  selectLiveWorkers: `SELECT activities, orchestrations FROM workers WHERE heartbeat_at + lease_ms >= ?`,
  // The dashboard's reads (dashboard-reads.ts).
  selectWorkers: `SELECT * FROM workers WHERE heartbeat_at + lease_ms >= ? ORDER BY worker_id`,
  selectHistoryLength: `SELECT history_length FROM instances WHERE instance_id = ?`,
  // The segment holding position @from and those after it, up to position @to (excluded).
  selectSegmentsInRange: `SELECT first_position, events FROM history_segments
    WHERE instance_id = @instanceId AND first_position < @to
      AND first_position >= coalesce((SELECT max(first_position) FROM history_segments
        WHERE instance_id = @instanceId AND first_position <= @from), 0)
    ORDER BY first_position`,
  selectChangedSince: `SELECT instance_id, name, runtime_status, created_at, updated_at FROM instances
    WHERE updated_at >= ? ORDER BY updated_at DESC LIMIT ?`,
  selectQueuedTaskNames: `SELECT DISTINCT name FROM activity_tasks WHERE instance_id = ? AND execution_id = ? AND lease_expires_at <= ?`,
} as const;

/** The statements, prepared on the store's connection. */
export type Statements = { [K in keyof typeof SQL]: Database.Statement };
