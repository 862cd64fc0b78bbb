/**
 * The client's changes to an existing instance, decided from its status alone: restarting a
 * finished one, delivering a message (suspend and resume included). Each either throws the
 * named error before anything is written or answers what to write.
 */
import {
  InstanceNotFinishedError,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InstanceNotSuspendedError,
} from "../../errors.js";
import type { InboxMessage } from "../../engine/history-event.js";
import type { CreateInstanceRequest } from "../instance-store.js";
import { FINISHED_STATUSES, type RuntimeStatus } from "../store.js";

export function isFinished(status: string): boolean {
  return FINISHED_STATUSES.includes(status as RuntimeStatus);
}

/**
 * A restart: the finished instance is deleted and created again as this new execution, in the
 * trace of the restart's caller if it was traced, else in the trace it had.
 */
export function restartRequest(
  instanceId: string,
  row: { runtime_status: string; name: string; input: string | null; trace_context: string | null } | undefined,
  executionId: string,
  now: number,
  traceContext: string | undefined,
): CreateInstanceRequest {
  if (!row) throw new InstanceNotFoundError(instanceId);
  if (!isFinished(row.runtime_status)) throw new InstanceNotFinishedError(instanceId, row.runtime_status, "restarting");
  const trace = traceContext ?? row.trace_context ?? undefined;
  return { instanceId, name: row.name, executionId, input: row.input ?? undefined, startAt: now, reuseFinished: false, ...(trace ? { traceContext: trace } : {}) };
}

/**
 * Where a message sent by the client goes:
 * - `queue`: into the inbox at `visibleAt` (a terminating one also wakes the instance: see
 *   wakeForTermination in each backend);
 * - `status`: suspend or resume, see suspension().
 */
export type Delivery =
  | { kind: "queue"; visibleAt: number; wakes: boolean }
  | { kind: "status"; suspension: Suspension };

export function delivery(
  instanceId: string,
  row: { runtime_status: string; start_at: number } | undefined,
  message: InboxMessage,
  now: number,
): Delivery {
  if (!row) throw new InstanceNotFoundError(instanceId);
  const status = row.runtime_status;
  if (isFinished(status)) throw new InstanceNotRunningError(instanceId, status);
  if (message.type === "Suspend" || message.type === "Resume") return { kind: "status", suspension: suspension(instanceId, status, message, now) };
  if (message.type === "Terminate") return { kind: "queue", visibleAt: now, wakes: true };
  // Messages are consumed in visibleAt order: one sent to a scheduled instance follows its start.
  return { kind: "queue", visibleAt: status === "Pending" ? Math.max(now, row.start_at) : now, wakes: false };
}

/**
 * Suspending sets the status at once, so no further episode is claimed; its message waits
 * in the inbox with everything that arrives meanwhile. The resume message is queued at the
 * suspension's time, right behind it, so the first episode after the resume records the
 * suspension, the resumption, then what arrived meanwhile, in the order it arrived. The
 * suspension is queued a millisecond early: what arrives in its own millisecond, after it,
 * must sort after the resumption too.
 *
 * `none`: already suspended, nothing to write. `messageAt: "suspension"`: the visibleAt of the
 * queued Suspend message (or `now` if there is none).
 */
export type Suspension =
  | { change: "none" }
  | { change: "suspend"; status: "Suspended"; messageAt: number }
  | { change: "resume"; status: "Running"; messageAt: "suspension" };

function suspension(instanceId: string, status: string, message: InboxMessage, now: number): Suspension {
  if (message.type === "Suspend") {
    if (status === "Suspended") return { change: "none" };
    if (status === "Pending") {
      throw new InstanceNotRunningError(instanceId, status, "it has not started yet: suspend it once it runs, or terminate it");
    }
    if (status !== "Running") throw new InstanceNotRunningError(instanceId, status);
    return { change: "suspend", status: "Suspended", messageAt: now - 1 };
  }
  if (status !== "Suspended") throw new InstanceNotSuspendedError(instanceId, status);
  return { change: "resume", status: "Running", messageAt: "suspension" };
}
