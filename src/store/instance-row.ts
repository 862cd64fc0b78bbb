import type { FailureDetails, InstanceRecord, RuntimeStatus } from "./store.js";

/** An `instances` row as a store reads it (both stores use the same columns; PostgreSQL BIGINTs are parsed to numbers). */
export interface InstanceRow {
  instance_id: string;
  name: string;
  execution_id: string;
  runtime_status: string;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  failure: string | null;
  created_at: number;
  updated_at: number;
  history_length: number;
  stalled_code: string | null;
  stalled_message: string | null;
  stalled_since: number | null;
  trace_context: string | null;
  /** Read when the whole row is (getInstance); lists leave it out. */
  parent_instance_id?: string | null;
}

export function rowToInstance(row: InstanceRow): InstanceRecord {
  return {
    instanceId: row.instance_id,
    name: row.name,
    executionId: row.execution_id,
    runtimeStatus: row.runtime_status as RuntimeStatus,
    input: row.input ?? undefined,
    output: row.output ?? undefined,
    customStatus: row.custom_status ?? undefined,
    failure: row.failure ? (JSON.parse(row.failure) as FailureDetails) : undefined,
    createdAt: row.created_at,
    lastUpdatedAt: row.updated_at,
    historyLength: row.history_length,
    stalled:
      row.stalled_code !== null
        ? { code: row.stalled_code, message: row.stalled_message ?? "", since: row.stalled_since ?? row.updated_at }
        : undefined,
    ...(row.parent_instance_id ? { parentInstanceId: row.parent_instance_id } : {}),
  };
}
