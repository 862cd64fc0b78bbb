/**
 * What an episode produces, once its messages are applied. Its new events are, in order: the
 * events it applied (EpisodeStarted, then one per message consumed), the events recording the
 * calls it carries out, the patches it took, a changed custom status, and the event of its
 * outcome when it ends the execution. An episode that continues as new hands the next
 * generation the events the code has not taken yet, unless told to drop them.
 */
import { toErrorDetails, type ErrorDetails } from "../errors.js";
import type { Command, EpisodeResult } from "./command.js";
import type { HistoryEvent, InboxMessage } from "./history-event.js";
import { optional } from "./optional-field.js";

/** How the execution ended, once it has. */
export type Outcome =
  | { status: "Completed"; output: string | undefined }
  | { status: "Failed"; failure: ErrorDetails & { code: string } }
  | { status: "Terminated"; output: string | undefined }
  | { status: "ContinuedAsNew"; input: string | undefined; preserveEvents: boolean };

export interface EpisodeEnd {
  nowMs: number;
  /** The events applied, then those recording the commands: the start of the new events. */
  newEvents: HistoryEvent[];
  commands: Command[];
  /** Changes whose new path the code took in this episode. */
  patches: readonly string[];
  /** Present when the code changed its custom status in this episode. */
  customStatus: { value: string | undefined } | undefined;
  outcome: Outcome | undefined;
  /** The messages the next generation inherits; asked only when it keeps them. */
  carried: () => InboxMessage[];
}

export function episodeResult(end: EpisodeEnd): EpisodeResult {
  const { nowMs, newEvents, outcome } = end;
  for (const changeId of end.patches) newEvents.push({ type: "PatchApplied", timestamp: nowMs, changeId });
  const result: EpisodeResult = { newEvents, commands: end.commands, runtimeStatus: outcome?.status ?? "Running" };
  if (end.customStatus) {
    newEvents.push({ type: "CustomStatusSet", timestamp: nowMs, ...optional("value", end.customStatus.value) });
    result.customStatus = end.customStatus;
  }
  if (outcome?.status === "Completed") {
    newEvents.push({ type: "ExecutionCompleted", timestamp: nowMs, ...optional("output", outcome.output) });
    result.output = outcome.output;
  } else if (outcome?.status === "Failed") {
    newEvents.push({ type: "ExecutionFailed", timestamp: nowMs, error: outcome.failure });
    result.failure = outcome.failure;
  } else if (outcome?.status === "Terminated") {
    result.output = outcome.output; // its ExecutionTerminated was applied from the Terminate message
  } else if (outcome?.status === "ContinuedAsNew") {
    newEvents.push({ type: "ExecutionContinuedAsNew", timestamp: nowMs, ...optional("input", outcome.input) });
    result.continuedAsNew = {
      ...optional("input", outcome.input),
      preserveEvents: outcome.preserveEvents,
      carried: outcome.preserveEvents ? end.carried() : [],
    };
  }
  return result;
}

/**
 * What the next generation inherits: events delivered but not yet taken by the code, then
 * the messages of this episode left unread when the code started over (results of this
 * generation's calls excepted), in arrival order.
 */
export function carriedMessages(unprocessed: readonly InboxMessage[], unread: readonly InboxMessage[]): InboxMessage[] {
  return [...unprocessed, ...unread.filter((m) => m.type === "EventRaised" || m.type === "Suspend" || m.type === "Resume")];
}

/** The outcome of a Terminate: the reason, serialized, is the instance's output. */
export function terminated(reason: string | undefined): Outcome {
  return { status: "Terminated", output: reason === undefined ? undefined : JSON.stringify(reason) };
}

/** The outcome of code that threw: the error's own code, else ORCHESTRATION_FAILED. */
export function failed(error: unknown): Outcome {
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "ORCHESTRATION_FAILED";
  return { status: "Failed", failure: { code, ...toErrorDetails(error) } };
}
