/**
 * The episodes of one group commit, written by one statement whatever their number: the
 * fenced updates of the instances and, for each update that matched, the history segment,
 * the consumed messages (and, for an instance that ended, its idle tasks; its whole inbox goes
 * by the trigger of migration 009, which also sees a message sent while the update waited for
 * the instance's lock), the new tasks and timers and the cancelled timers. A batch of a
 * hundred episodes then costs one round trip while it holds its row locks, not a hundred.
 *
 * Each instance may appear once per call (an UPDATE … FROM matches a row once); continueAsNew
 * episodes are written apart (see startNextGeneration in group-commit.ts).
 */
import { timerFired } from "../plan/messages.js";
import type { EpisodeOp, EpisodeWrites } from "../plan/episode-writes.js";
import type { Sql, Statement } from "./connection.js";
import { APPLIED_EARLIER, EPISODES_STATEMENT } from "./statements/commits.js";
import { taskColumns } from "./writes.js";

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
    ...taskColumns(tasks),
    timers.map(({ op }) => op.instanceId),
    timers.map(({ timer }) => timer.seq),
    timers.map(({ timer }) => JSON.stringify(timerFired(timer.seq))),
    timers.map(({ timer }) => timer.fireAt),
    cancelled.map(({ op }) => op.instanceId),
    cancelled.map(({ seq }) => seq),
    ops.map((op) => op.consumedMessageIds.length),
    ops.map((op) => (op.result.awaiting ? JSON.stringify(op.result.awaiting) : null)),
    tasks.map((task) => task.traceContext ?? null),
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
    APPLIED_EARLIER,
    [ops.map((op) => op.instanceId), ops.map((op) => op.historyLengthBefore), ops.map((op) => op.leaseToken)],
  );
  return new Set(result.rows.map((row) => row.instance_id));
}
