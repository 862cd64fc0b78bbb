import type { ErrorDetails } from "../errors.js";
import type { ActivityWorkItem } from "./store.js";

/** An `activity_tasks` row as a store reads it (both stores use the same columns). */
export interface TaskRow {
  id: number;
  instance_id: string;
  execution_id: string;
  seq: number;
  name: string;
  input: string | null;
  attempt: number;
  idempotency_key: string;
  retry: string | null;
  first_visible_at: number;
  visible_at: number;
  timeout_ms: number | null;
  heartbeat_details: string | null;
  trace_context: string | null;
  last_error: string | null;
}

export function rowToTask(row: TaskRow, leaseToken: string): ActivityWorkItem {
  return {
    instanceId: row.instance_id,
    executionId: row.execution_id,
    seq: row.seq,
    name: row.name,
    input: row.input ?? undefined,
    attempt: row.attempt,
    idempotencyKey: row.idempotency_key,
    retry: row.retry === null ? null : JSON.parse(row.retry),
    firstVisibleAt: row.first_visible_at,
    ...(row.timeout_ms === null ? {} : { timeoutMs: row.timeout_ms }),
    ...(row.heartbeat_details === null ? {} : { heartbeatDetails: row.heartbeat_details }),
    ...(row.last_error === null ? {} : { lastError: JSON.parse(row.last_error) as ErrorDetails }),
    leaseToken,
    ...(row.trace_context === null ? {} : { traceContext: row.trace_context }),
  };
}
