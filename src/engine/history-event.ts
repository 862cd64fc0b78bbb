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
  /**
   * `attempts` and `lastFailure` (without its stack) are set when the activity succeeded after
   * failed attempts: for people reading the history; replay ignores them.
   */
  | { type: "TaskCompleted"; timestamp: number; seq: number; output?: string; attempts?: number; lastFailure?: ErrorDetails }
  | { type: "TaskFailed"; timestamp: number; seq: number; error: ErrorDetails; attempts: number }
  | { type: "TimerCreated"; timestamp: number; seq: number; fireAt: number }
  | { type: "SubOrchestrationScheduled"; timestamp: number; seq: number; name: string; instanceId: string; input?: string }
  | { type: "SubOrchestrationCompleted"; timestamp: number; seq: number; output?: string }
  | { type: "SubOrchestrationFailed"; timestamp: number; seq: number; error: ErrorDetails }
  | { type: "TimerFired"; timestamp: number; seq: number }
  | { type: "EventRaised"; timestamp: number; name: string; data?: string }
  | { type: "CustomStatusSet"; timestamp: number; value?: string }
  | { type: "ExecutionCompleted"; timestamp: number; output?: string }
  | { type: "ExecutionFailed"; timestamp: number; error: ErrorDetails }
  | { type: "ExecutionTerminated"; timestamp: number; reason?: string }
  /** Recorded when the instance resumes, in the order the messages arrived: no effect on the code. */
  | { type: "ExecutionContinuedAsNew"; timestamp: number; input?: string }
  /** An operator rewound the failed instance: the failed episode was taken out, its messages queued again. */
  | { type: "ExecutionRewound"; timestamp: number; reason?: string }
  /** This execution took the new path of a change marked with ctx.patched(changeId). */
  | { type: "PatchApplied"; timestamp: number; changeId: string }
  | { type: "ExecutionSuspended"; timestamp: number; reason?: string }
  | { type: "ExecutionResumed"; timestamp: number; reason?: string };

export type HistoryEventType = HistoryEvent["type"];

/** A message waiting in an instance's inbox; an episode turns it into a history event. */
export type InboxMessage =
  | { type: "ExecutionStarted"; name: string; executionId: string; input?: string }
  | { type: "TaskCompleted"; seq: number; output?: string; attempts?: number; lastFailure?: ErrorDetails }
  | { type: "TaskFailed"; seq: number; error: ErrorDetails; attempts: number }
  | { type: "TimerFired"; seq: number }
  | { type: "SubOrchestrationCompleted"; seq: number; output?: string }
  | { type: "SubOrchestrationFailed"; seq: number; error: ErrorDetails }
  | { type: "EventRaised"; name: string; data?: string }
  | { type: "Terminate"; reason?: string }
  | { type: "Suspend"; reason?: string }
  | { type: "Resume"; reason?: string };

/** Longest failure message kept where a failure is only a summary (a retried success's lastFailure). */
export const MAX_FAILURE_SUMMARY_CHARS = 500;

/** A failure as a summary keeps it: name and message (cut), no stack. */
export function failureSummary(details: ErrorDetails): ErrorDetails {
  const { name, message } = details;
  return { name, message: message.length > MAX_FAILURE_SUMMARY_CHARS ? `${message.slice(0, MAX_FAILURE_SUMMARY_CHARS - 1)}…` : message };
}

export function messageToEvent(message: InboxMessage, timestamp: number): HistoryEvent {
  const reason = "reason" in message && message.reason !== undefined ? { reason: message.reason } : {};
  if (message.type === "Terminate") return { type: "ExecutionTerminated", timestamp, ...reason };
  if (message.type === "Suspend") return { type: "ExecutionSuspended", timestamp, ...reason };
  if (message.type === "Resume") return { type: "ExecutionResumed", timestamp, ...reason };
  return { ...message, timestamp };
}
