/**
 * Starting a child: a new instance that knows its parent's call, with its start message. If the
 * child's id is taken, the parent's call fails instead (nothing else is written), unless the
 * parent's execution ends in this episode: then no one awaits the call.
 */
import { InstanceAlreadyExistsError, toErrorDetails } from "../../errors.js";
import type { InboxMessage } from "../../engine/history-event.js";
import type { EpisodeOp, StartSubOrchestration } from "./episode-writes.js";
import { startMessage } from "./messages.js";

export interface ChildInstance {
  instanceId: string;
  name: string;
  executionId: string;
  input: string | undefined;
  /** Created, updated and started at. */
  now: number;
  parentInstanceId: string;
  parentExecutionId: string;
  parentSeq: number;
  /** The trace it joins: the span of the parent's episode that started it. */
  traceContext: string | undefined;
  /** Its start message, queued at `now`. */
  started: InboxMessage;
}

export function childInstance(op: EpisodeOp, command: StartSubOrchestration, executionId: string, now: number): ChildInstance {
  return {
    instanceId: command.instanceId,
    name: command.name,
    executionId,
    input: command.input,
    now,
    parentInstanceId: op.instanceId,
    parentExecutionId: op.executionId,
    parentSeq: command.seq,
    traceContext: op.traceContext,
    started: startMessage({ name: command.name, executionId, input: command.input }),
  };
}

/** The message for the parent's own inbox when the child's id was taken, or none when no one awaits the call. */
export function childIdTaken(op: EpisodeOp, command: StartSubOrchestration): InboxMessage | undefined {
  if (op.result.runtimeStatus !== "Running") return undefined;
  const error = toErrorDetails(new InstanceAlreadyExistsError(command.instanceId));
  return { type: "SubOrchestrationFailed", seq: command.seq, error };
}
