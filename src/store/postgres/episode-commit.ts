/**
 * The episodes of one group commit, written by one statement whatever their number: the
 * fenced updates of the instances and, for each update that matched, the history segment,
 * the consumed messages (or, for an instance that ended, its whole inbox and idle tasks), the
 * new tasks and timers and the cancelled timers. A batch of a hundred episodes then costs one
 * round trip while it holds its row locks, not a hundred.
 *
 * Each instance may appear once per call (an UPDATE … FROM matches a row once); continueAsNew
 * episodes are written apart (see PostgresStore.startNextGeneration).
 */
import { timerFired } from "../plan/messages.js";
import type { EpisodeOp, EpisodeWrites } from "../plan/episode-writes.js";
import type { Sql, Statement } from "./connection.js";

export interface CommittedEpisode {
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentSeq: number | null;
}

/**
 * Writes the episodes; answers, by instance id, those whose lease and history length still
 * held (the others wrote nothing: their lease was lost).
 */
export async function commitEpisodes(
  sql: Pick<Sql, "run">,
  episodes: readonly { op: EpisodeOp; writes: EpisodeWrites }[],
  now: number,
  statement: Statement = EPISODES_STATEMENT,
): Promise<Map<string, CommittedEpisode>> {
  const tasks = episodes.flatMap(({ writes }) => writes.tasks);
  const timers = episodes.flatMap(({ op, writes }) => writes.timers.map((timer) => ({ op, timer })));
  const cancelled = episodes.flatMap(({ op, writes }) => writes.cancelledTimers.map((seq) => ({ op, seq })));
  const ops = episodes.map(({ op }) => op);
  const updated = await sql.run<{
    instance_id: string;
    parent_instance_id: string | null;
    parent_execution_id: string | null;
    parent_seq: number | null;
  }>(statement, [
    ops.map((op) => op.instanceId),
    ops.map((op) => op.leaseToken),
    ops.map((op) => op.historyLengthBefore),
    ops.map((op) => op.result.runtimeStatus),
    ops.map((op) => op.result.output ?? null),
    ops.map((op) => (op.result.failure ? JSON.stringify(op.result.failure) : null)),
    ops.map((op) => op.result.customStatus !== undefined),
    ops.map((op) => op.result.customStatus?.value ?? null),
    ops.map((op) => op.result.newEvents.length),
    ops.map((op) => JSON.stringify(op.result.newEvents)),
    ops.map((op) => op.result.runtimeStatus !== "Running"),
    now,
    ops.flatMap((op) => op.consumedMessageIds),
    tasks.map((task) => task.instanceId),
    tasks.map((task) => task.executionId),
    tasks.map((task) => task.seq),
    tasks.map((task) => task.name),
    tasks.map((task) => task.input ?? null),
    tasks.map((task) => task.attempt),
    tasks.map((task) => task.idempotencyKey),
    tasks.map((task) => task.retry),
    tasks.map((task) => task.visibleAt),
    tasks.map((task) => task.lease?.owner ?? null),
    tasks.map((task) => task.lease?.token ?? null),
    tasks.map((task) => task.lease?.expiresAt ?? 0),
    tasks.map((task) => task.timeoutMs ?? null),
    timers.map(({ op }) => op.instanceId),
    timers.map(({ timer }) => timer.seq),
    timers.map(({ timer }) => JSON.stringify(timerFired(timer.seq))),
    timers.map(({ timer }) => timer.fireAt),
    cancelled.map(({ op }) => op.instanceId),
    cancelled.map(({ seq }) => seq),
    ops.map((op) => op.consumedMessageIds.length),
  ]);
  return new Map(
    updated.rows.map((row) => [
      row.instance_id,
      { parentInstanceId: row.parent_instance_id, parentExecutionId: row.parent_execution_id, parentSeq: row.parent_seq },
    ]),
  );
}

/**
 * Of episodes whose fenced update did not match, the instances of those that an earlier
 * attempt of the same commit applied: their segment is in place under their own lease token
 * (a lease token is never reused). A commit whose answer was lost is retried as a whole; by
 * then its leases are gone, and without this its episodes would be reported lost.
 */
export async function appliedEarlier(sql: Pick<Sql, "run">, ops: readonly EpisodeOp[]): Promise<Set<string>> {
  if (ops.length === 0) return new Set();
  const result = await sql.run<{ instance_id: string }>(
    {
      name: "baton_applied_earlier",
      text: `SELECT instance_id FROM history_segments
             WHERE (instance_id, first_position, lease_token) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]))`,
    },
    [ops.map((op) => op.instanceId), ops.map((op) => op.historyLengthBefore), ops.map((op) => op.leaseToken)],
  );
  return new Set(result.rows.map((row) => row.instance_id));
}

/**
 * Every part but the update runs only for the instances whose fenced update matched: the
 * lease token and history length are still those the episode was run from, and every message
 * it consumed is still queued for that instance (a message is consumed once, whatever a
 * confused worker sends). `$guard` is an extra condition of that update.
 */
const EPISODES_TEXT = `
  WITH episode AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[],
      $9::int[], $10::text[], $11::bool[], $33::int[])
      AS e(instance_id, lease_token, history_before, status, output, failure, has_custom, custom, new_events, events, finished,
        consumed)),
  present AS (
    SELECT instance_id, count(*) AS n FROM inbox WHERE id = ANY($13::bigint[]) GROUP BY instance_id),
  updated AS (
    UPDATE instances i SET
      runtime_status = CASE WHEN i.runtime_status = 'Suspended' AND e.status = 'Running' THEN 'Suspended' ELSE e.status END,
      output = CASE WHEN e.status = 'Running' THEN i.output ELSE e.output END,
      failure = e.failure,
      custom_status = CASE WHEN e.has_custom THEN e.custom ELSE i.custom_status END,
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
  inbox_gone AS (
    DELETE FROM inbox WHERE instance_id IN (SELECT instance_id FROM committed WHERE finished)),
  idle_tasks_gone AS (
    DELETE FROM activity_tasks
    WHERE instance_id IN (SELECT instance_id FROM committed WHERE finished) AND lease_expires_at <= $12),
  new_tasks AS (
    INSERT INTO activity_tasks (instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      first_visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms)
    SELECT instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
      visible_at, visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms
    FROM unnest($14::text[], $15::text[], $16::int[], $17::text[], $18::text[], $19::int[], $20::text[], $21::text[],
      $22::bigint[], $23::text[], $24::text[], $25::bigint[], $26::bigint[]) WITH ORDINALITY
      AS t(instance_id, execution_id, seq, name, input, attempt, idempotency_key, retry,
        visible_at, lease_owner, lease_token, lease_expires_at, timeout_ms, n)
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

const EPISODES_STATEMENT: Statement = { name: "baton_episodes", text: EPISODES_TEXT.replace("$guard", "") };

/**
 * One episode as a transaction of its own (one round trip): only when it has nothing to send
 * another instance. Its update does not match an instance that has a parent to tell of its
 * end; the caller then commits it the usual way.
 */
export const LONE_EPISODE_STATEMENT: Statement = {
  name: "baton_lone_episode",
  text: EPISODES_TEXT.replace("$guard", "AND NOT (e.finished AND i.parent_instance_id IS NOT NULL)"),
};
