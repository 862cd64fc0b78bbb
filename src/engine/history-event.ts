/**
 * The append-only history of one orchestration instance, and the inbox messages that
 * become history events when an episode consumes them. Payloads stay serialized (JSON
 * text) in both, so history is stored and replayed byte for byte.
 *
 * Timestamps are milliseconds since the epoch.
 */
import type { ErrorDetails } from "../errors.js";

export type HistoryEvent =
  | { type: "EpisodeStarted"; timestamp: number }
  | { type: "ExecutionStarted"; timestamp: number; name: string; executionId: string; input?: string }
  | { type: "TaskScheduled"; timestamp: number; seq: number; name: string; input?: string; attempt: number }
  | { type: "TaskCompleted"; timestamp: number; seq: number; output?: string }
  | { type: "TaskFailed"; timestamp: number; seq: number; error: ErrorDetails; attempts: number }
  | { type: "TimerCreated"; timestamp: number; seq: number; fireAt: number }
  | { type: "TimerFired"; timestamp: number; seq: number }
  | { type: "EventRaised"; timestamp: number; name: string; data?: string }
  | { type: "CustomStatusSet"; timestamp: number; value?: string }
  | { type: "ExecutionCompleted"; timestamp: number; output?: string }
  | { type: "ExecutionFailed"; timestamp: number; error: ErrorDetails }
  | { type: "ExecutionTerminated"; timestamp: number; reason?: string };

export type HistoryEventType = HistoryEvent["type"];

/** A message waiting in an instance's inbox; an episode turns it into a history event. */
export type InboxMessage =
  | { type: "ExecutionStarted"; name: string; executionId: string; input?: string }
  | { type: "TaskCompleted"; seq: number; output?: string }
  | { type: "TaskFailed"; seq: number; error: ErrorDetails; attempts: number }
  | { type: "TimerFired"; seq: number }
  | { type: "EventRaised"; name: string; data?: string }
  | { type: "Terminate"; reason?: string };

export function messageToEvent(message: InboxMessage, timestamp: number): HistoryEvent {
  if (message.type === "Terminate") {
    return { type: "ExecutionTerminated", timestamp, ...(message.reason === undefined ? {} : { reason: message.reason }) };
  }
  return { ...message, timestamp };
}
