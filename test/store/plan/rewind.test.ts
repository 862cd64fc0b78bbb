import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../../src/engine/history-event.js";
import { rewindPlan, rewindWrites } from "../../../src/store/plan/rewind.js";

const error = { name: "Error", message: "boom" };
/** Two episodes: the first schedules an activity, the second sees it fail and fails the instance. */
const history: HistoryEvent[] = [
  { type: "EpisodeStarted", timestamp: 1 },
  { type: "ExecutionStarted", timestamp: 1, name: "Orch", executionId: "e1", input: '"x"' },
  { type: "TaskScheduled", timestamp: 1, seq: 0, name: "Act", input: '"a"', attempt: 1 },
  { type: "EpisodeStarted", timestamp: 2 },
  { type: "EventRaised", timestamp: 2, name: "go", data: '"d"' },
  { type: "TaskFailed", timestamp: 2, seq: 0, error, attempts: 3 },
  { type: "ExecutionFailed", timestamp: 2, error },
];

describe("rewindPlan", () => {
  it("cuts at the failed episode's start, queues its messages again and its failed activity as a new task", () => {
    expect(rewindPlan(history)).toEqual({
      cut: 3,
      messages: [{ type: "EventRaised", name: "go", data: '"d"' }],
      tasks: [{ seq: 0, name: "Act", input: '"a"' }],
    });
  });

  it("queues the start again when the failed episode was the first", () => {
    const first = [history[0]!, history[1]!, { type: "ExecutionFailed" as const, timestamp: 1, error }];
    expect(rewindPlan(first)).toMatchObject({ cut: 0, messages: [{ type: "ExecutionStarted", name: "Orch", executionId: "e1", input: '"x"' }] });
  });
});

describe("rewindWrites", () => {
  it("keeps the history before the cut (part of the segment it falls in), then the rewind event", () => {
    const segments = [
      { first: 0, events: history.slice(0, 2) },
      { first: 2, events: history.slice(2, 5) },
      { first: 5, events: history.slice(5) },
    ];
    const writes = rewindWrites({ instanceId: "i1", executionId: "e1", traceContext: undefined }, segments, "fixed", 99);
    expect(writes.segments).toEqual([
      { first: 0, events: history.slice(0, 2) },
      { first: 2, events: history.slice(2, 3) },
      { first: 3, events: [{ type: "ExecutionRewound", timestamp: 99, reason: "fixed" }] },
    ]);
    expect(writes.historyLength).toBe(4);
  });

  it("queues a failed activity as a new first attempt under its definition's policy, with its stable key, in the instance's trace", () => {
    const traceContext = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const writes = rewindWrites({ instanceId: "i1", executionId: "e1", traceContext }, [{ first: 0, events: history }], undefined, 99);
    expect(writes.tasks).toEqual([
      { instanceId: "i1", executionId: "e1", seq: 0, name: "Act", input: '"a"', attempt: 1, idempotencyKey: "i1:e1:0", retry: null, visibleAt: 99, lease: undefined, timeoutMs: undefined, traceContext },
    ]);
    expect(writes.segments.at(-1)).toEqual({ first: 3, events: [{ type: "ExecutionRewound", timestamp: 99 }] });
    expect(writes.messages).toEqual([{ type: "EventRaised", name: "go", data: '"d"' }]);
  });
});
