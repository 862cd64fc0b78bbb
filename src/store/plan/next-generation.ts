/**
 * continueAsNew: the instance keeps its id and row; the ending generation's history, queued
 * results and idle tasks go; the next generation's start message is queued first (visible
 * at 0), then the events it inherits, then whatever was already waiting in the inbox.
 * Children started by the ending generation outlive it; their outcomes reach no generation.
 */
import type { InboxMessage } from "../../engine/history-event.js";
import { RESULT_MESSAGE_TYPES } from "../store.js";
import { episodeWrites, type EpisodeOp, type StartSubOrchestration } from "./episode-writes.js";
import type { Clock } from "./lease.js";
import { startMessage } from "./messages.js";

export interface NextGeneration {
  executionId: string;
  input: string | undefined;
  /** Queued at visibleAt 0, in this order: the start, then the inherited events. */
  messages: InboxMessage[];
  /** Inbox message types deleted: results of the ending generation's calls, and events unless preserved. */
  droppedTypes: string[];
  children: StartSubOrchestration[];
}

/** `name`: the instance's orchestration, read from its row. */
export function nextGeneration(op: EpisodeOp, name: string, now: number, clock: Clock): NextGeneration {
  const next = op.result.continuedAsNew!;
  const executionId = op.newExecutionId!;
  return {
    executionId,
    input: next.input,
    messages: [startMessage({ name, executionId, input: next.input }), ...next.carried],
    droppedTypes: next.preserveEvents ? [...RESULT_MESSAGE_TYPES] : [...RESULT_MESSAGE_TYPES, "EventRaised"],
    children: episodeWrites(op, now, clock).children,
  };
}
