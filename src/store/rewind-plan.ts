import type { HistoryEvent, InboxMessage } from "../engine/history-event.js";

/** What rewinding a failed instance writes, worked out from its history alone (shared by the stores). */
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
