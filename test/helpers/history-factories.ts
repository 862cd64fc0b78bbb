/** Small builders of history events and inbox messages for engine tests. */
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";

const T0 = Date.UTC(2026, 0, 1);
const json = (value: unknown): string | undefined => (value === undefined ? undefined : JSON.stringify(value));
const opt = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : { [key]: value });

export const at = (offsetMs = 0): number => T0 + offsetMs;

export const episodeStarted = (offsetMs = 0): HistoryEvent => ({ type: "EpisodeStarted", timestamp: at(offsetMs) });
export const executionStarted = (name: string, input?: unknown, executionId = "exec-1"): HistoryEvent => ({
  type: "ExecutionStarted",
  timestamp: at(),
  name,
  executionId,
  ...opt("input", json(input)),
});
export const taskScheduled = (seq: number, name: string, input?: unknown, attempt = 1): HistoryEvent => ({
  type: "TaskScheduled",
  timestamp: at(),
  seq,
  name,
  attempt,
  ...opt("input", json(input)),
});
export const taskCompleted = (seq: number, output?: unknown): HistoryEvent => ({
  type: "TaskCompleted",
  timestamp: at(),
  seq,
  ...opt("output", json(output)),
});
export const taskFailed = (seq: number, message: string, attempts = 1): HistoryEvent => ({
  type: "TaskFailed",
  timestamp: at(),
  seq,
  attempts,
  error: { name: "Error", message },
});
export const timerCreated = (seq: number, fireAtOffsetMs: number): HistoryEvent => ({
  type: "TimerCreated",
  timestamp: at(),
  seq,
  fireAt: at(fireAtOffsetMs),
});
export const timerFired = (seq: number): HistoryEvent => ({ type: "TimerFired", timestamp: at(), seq });
export const eventRaised = (name: string, data?: unknown): HistoryEvent => ({
  type: "EventRaised",
  timestamp: at(),
  name,
  ...opt("data", json(data)),
});

export const started = (name: string, input?: unknown, executionId = "exec-1"): InboxMessage => ({
  type: "ExecutionStarted",
  name,
  executionId,
  ...opt("input", json(input)),
});
export const completedMsg = (seq: number, output?: unknown): InboxMessage => ({ type: "TaskCompleted", seq, ...opt("output", json(output)) });
export const failedMsg = (seq: number, message: string, attempts = 1): InboxMessage => ({
  type: "TaskFailed",
  seq,
  attempts,
  error: { name: "Error", message },
});
export const timerFiredMsg = (seq: number): InboxMessage => ({ type: "TimerFired", seq });
export const eventMsg = (name: string, data?: unknown): InboxMessage => ({ type: "EventRaised", name, ...opt("data", json(data)) });
export const terminateMsg = (reason?: string): InboxMessage => ({ type: "Terminate", ...opt("reason", reason) });
