/**
 * Rewinding a Failed instance takes it back to before the episode that failed: that episode's
 * events are removed, the messages it consumed queued again (a failed activity as a new task),
 * and an ExecutionRewound event ends the kept history.
 */
import { callKey } from "../../engine/command.js";
import { InstanceNotFailedError, InstanceNotFoundError } from "../../errors.js";
import type { HistoryEvent, InboxMessage } from "../../engine/history-event.js";
import type { NewTask } from "./new-task.js";

/** What rewinding a failed instance removes and queues again, worked out from its history alone. */
export interface RewindPlan {
  /** Position of the failed episode's EpisodeStarted: events from here on are removed. */
  cut: number;
  /** The messages the failed episode consumed, to queue again in their order. */
  messages: InboxMessage[];
  /** Activities whose failure ended the instance: each is queued again as a new first attempt. */
  tasks: { seq: number; name: string; input: string | undefined }[];
}

export function rewindPlan(history: readonly HistoryEvent[]): RewindPlan {
  // The failed episode: from the last EpisodeStarted to the end (ExecutionFailed is its last event).
  let cut = history.length - 1;
  while (cut > 0 && history[cut]!.type !== "EpisodeStarted") cut--;
  const kept = history.slice(0, cut);
  const plan: RewindPlan = { cut, messages: [], tasks: [] };
  for (const event of history.slice(cut)) {
    switch (event.type) {
      case "ExecutionStarted": {
        const { timestamp: _t, type: _type, ...rest } = event;
        plan.messages.push({ type: "ExecutionStarted", ...rest });
        break;
      }
      case "TaskCompleted":
        plan.messages.push({ type: "TaskCompleted", seq: event.seq, ...(event.output === undefined ? {} : { output: event.output }) });
        break;
      case "TimerFired":
        plan.messages.push({ type: "TimerFired", seq: event.seq });
        break;
      case "EventRaised":
        plan.messages.push({ type: "EventRaised", name: event.name, ...(event.data === undefined ? {} : { data: event.data }) });
        break;
      case "TaskFailed": {
        const scheduled = kept.find((e) => e.type === "TaskScheduled" && e.seq === event.seq);
        if (scheduled?.type === "TaskScheduled") plan.tasks.push({ seq: event.seq, name: scheduled.name, input: scheduled.input });
        break;
      }
    }
  }
  return plan;
}


/** A stored piece of history: the events from position `first` on. */
export interface Segment {
  first: number;
  events: HistoryEvent[];
}

export interface RewindWrites {
  /** The history after the rewind, replacing every segment: the part before the cut, then the rewind event. */
  segments: Segment[];
  historyLength: number;
  tasks: NewTask[];
  /** Queued at `now`, in this order. */
  messages: InboxMessage[];
}

export function rewindWrites(
  /** `traceContext`: the instance's, which the re-queued tasks join. */
  instance: { instanceId: string; executionId: string; traceContext: string | undefined },
  segments: readonly Segment[],
  reason: string | undefined,
  now: number,
): RewindWrites {
  const { cut, messages, tasks } = rewindPlan(segments.flatMap((segment) => segment.events));
  // Keep the segments before the cut and the part of the one it falls in.
  const kept = segments
    .map((segment) => ({ first: segment.first, events: segment.events.slice(0, Math.max(0, cut - segment.first)) }))
    .filter((segment) => segment.events.length > 0);
  const rewound: HistoryEvent = { type: "ExecutionRewound", timestamp: now, ...(reason === undefined ? {} : { reason }) };
  const { instanceId, executionId } = instance;
  return {
    segments: [...kept, { first: cut, events: [rewound] }],
    historyLength: cut + 1,
    // A failed activity is queued as a new first attempt under its definition's retry policy
    // (null): the call's own policy is not in history.
    tasks: tasks.map((task) => ({
      instanceId,
      executionId,
      seq: task.seq,
      name: task.name,
      input: task.input,
      attempt: 1,
      idempotencyKey: callKey(instanceId, executionId, task.seq),
      retry: null,
      visibleAt: now,
      lease: undefined,
      timeoutMs: undefined,
      traceContext: instance.traceContext,
    })),
    messages,
  };
}

/** Only a Failed instance can be rewound. */
export function assertRewindable(instanceId: string, row: { runtime_status: string; stalled_code: string | null } | undefined): asserts row {
  if (!row) throw new InstanceNotFoundError(instanceId);
  if (row.runtime_status !== "Failed") throw new InstanceNotFailedError(instanceId, row.runtime_status, row.stalled_code ?? undefined);
}
