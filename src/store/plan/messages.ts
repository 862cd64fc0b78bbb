/**
 * The inbox messages a store writes on its own account: the start of an execution, a child's
 * outcome for its parent's call, a parent's termination passed on to its children, a timer.
 */
import type { EpisodeResult } from "../../engine/command.js";
import type { InboxMessage } from "../../engine/history-event.js";

/** The message that starts an execution (a new instance, a restart, a child, a next generation). */
export function startMessage(start: { name: string; executionId: string; input: string | undefined }): InboxMessage {
  return {
    type: "ExecutionStarted",
    name: start.name,
    executionId: start.executionId,
    ...(start.input === undefined ? {} : { input: start.input }),
  };
}

/** The message a child's end becomes for its parent's call (`seq`). */
export function childOutcome(seq: number, result: EpisodeResult): InboxMessage {
  if (result.runtimeStatus === "Completed") {
    return { type: "SubOrchestrationCompleted", seq, ...(result.output === undefined ? {} : { output: result.output }) };
  }
  if (result.runtimeStatus === "Failed") {
    const { code: _code, ...error } = result.failure!;
    return { type: "SubOrchestrationFailed", seq, error };
  }
  const reason = result.output === undefined ? "" : `: ${result.output}`;
  return { type: "SubOrchestrationFailed", seq, error: { name: "Terminated", message: `The sub-orchestration was terminated${reason}` } };
}

/** What a terminated parent sends each of its running children (and they, in turn, theirs). */
export function parentTerminated(parentInstanceId: string): InboxMessage {
  return { type: "Terminate", reason: `Parent instance "${parentInstanceId}" was terminated.` };
}

export function timerFired(seq: number): InboxMessage {
  return { type: "TimerFired", seq };
}
