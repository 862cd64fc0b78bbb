import { describe, expect, it } from "vitest";
import { RowKind, RowState, timelineRows, timelineSpan, type HistoryEntryJson } from "../../ui/view-models/timeline.js";

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const e = (type: string, ms: number, fields: Record<string, unknown> = {}): HistoryEntryJson => ({ type, timestamp: at(ms), ...fields });

describe("timelineRows", () => {
  it("makes one row per activity call, from its schedule to its outcome, with millisecond precision", () => {
    const rows = timelineRows([
      e("ExecutionStarted", 0, { name: "Order" }),
      e("EpisodeStarted", 0),
      e("TaskScheduled", 1, { seq: 0, name: "Charge", attempt: 1 }),
      e("TaskScheduled", 1, { seq: 1, name: "Ship", attempt: 1 }),
      e("EpisodeStarted", 4),
      e("TaskCompleted", 4, { seq: 1 }),
      e("TaskFailed", 9, { seq: 0, attempts: 1, error: { name: "CardDeclined", message: "no funds" } }),
    ]);
    const calls = rows.filter((row) => row.kind === RowKind.Activity);
    expect(calls.map((row) => [row.label, row.state, row.endMs! - row.startMs, row.attempts, row.error?.name])).toEqual([
      ["Charge", RowState.Failed, 8, undefined, "CardDeclined"],
      ["Ship", RowState.Completed, 3, undefined, undefined],
    ]);
    expect(calls[0]!.entryIndexes).toEqual([2, 6]);
  });

  it("shows retries run from the queue as attempts on the bar, with the last failure", () => {
    const [, row] = timelineRows([
      e("ExecutionStarted", 0, { name: "Order" }),
      e("TaskScheduled", 0, { seq: 0, name: "Charge", attempt: 1 }),
      e("TaskCompleted", 2500, { seq: 0, attempts: 3, lastFailure: { name: "Error", message: "timeout" } }),
    ]);
    expect(row).toMatchObject({ state: RowState.Completed, attempts: 3, error: { name: "Error", message: "timeout" } });
  });

  it("gives each retry the orchestration decides a row of its own, named with its attempt", () => {
    const rows = timelineRows([
      e("TaskScheduled", 0, { seq: 0, name: "Charge", attempt: 1 }),
      e("TaskFailed", 1, { seq: 0, attempts: 1, error: { name: "Error", message: "x" } }),
      e("TimerCreated", 1, { seq: 1, fireAt: at(1001) }),
      e("TimerFired", 1001, { seq: 1 }),
      e("TaskScheduled", 1001, { seq: 2, name: "Charge", attempt: 2 }),
    ]);
    expect(rows.map((row) => [row.label, row.state])).toEqual([
      ["Charge", RowState.Failed],
      ["timer until 00:00:01.001", RowState.Fired],
      ["Charge #2", RowState.Running],
    ]);
    expect(rows[2]!.endMs).toBeUndefined();
  });

  it("marks a timer the execution ended without firing as cancelled, and one still open as pending", () => {
    const rows = timelineRows([
      e("TimerCreated", 0, { seq: 0, fireAt: at(60_000) }),
      e("EventRaised", 10, { name: "approved" }),
      e("ExecutionCompleted", 12),
      e("TimerCreated", 20, { seq: 0, fireAt: at(30) }),
    ]);
    expect(rows.map((row) => [row.kind, row.state, row.endMs === undefined ? "open" : row.endMs - T0])).toEqual([
      [RowKind.Timer, RowState.Cancelled, 12],
      [RowKind.Event, RowState.Point, 10],
      [RowKind.Marker, RowState.Point, 12],
      [RowKind.Timer, RowState.Pending, "open"],
    ]);
    expect(rows[1]!.label).toBe("event approved");
  });

  it("draws sub-orchestrations and keeps seqs apart across continue-as-new", () => {
    const rows = timelineRows([
      e("SubOrchestrationScheduled", 0, { seq: 0, name: "Child", instanceId: "c1" }),
      e("SubOrchestrationFailed", 5, { seq: 0, error: { name: "Boom", message: "b" } }),
      e("ExecutionContinuedAsNew", 6, { input: 2 }),
      e("ExecutionStarted", 7, { name: "Loop" }),
      e("SubOrchestrationScheduled", 8, { seq: 0, name: "Child", instanceId: "c2" }),
      e("SubOrchestrationCompleted", 9, { seq: 0 }),
    ]);
    const subs = rows.filter((row) => row.kind === RowKind.SubOrchestration);
    expect(subs.map((row) => [row.key, row.label, row.state, row.error?.name])).toEqual([
      ["0:sub:0", "Child (c1)", RowState.Failed, "Boom"],
      ["1:sub:0", "Child (c2)", RowState.Completed, undefined],
    ]);
    expect(rows.find((row) => row.label === "continued as new")?.execution).toBe(0);
  });

  it("keeps keys stable as further pages load, and ignores an outcome whose call is on no page loaded", () => {
    const history = [
      e("TaskScheduled", 0, { seq: 0, name: "A", attempt: 1 }),
      e("TaskScheduled", 0, { seq: 1, name: "B", attempt: 1 }),
      e("TaskCompleted", 3, { seq: 0 }),
      e("TaskCompleted", 4, { seq: 1 }),
    ];
    const firstPage = timelineRows(history.slice(0, 3));
    const all = timelineRows(history);
    expect(firstPage.map((row) => [row.key, row.state])).toEqual([["0:task:0", "completed"], ["0:task:1", "running"]]);
    expect(all.map((row) => [row.key, row.state])).toEqual([["0:task:0", "completed"], ["0:task:1", "completed"]]);
    expect(timelineRows(history.slice(2))).toEqual([]);
  });

  it("accepts timestamps as milliseconds too, and spans open rows to now", () => {
    const rows = timelineRows([{ type: "TaskScheduled", timestamp: T0, seq: 0, name: "A", attempt: 1 }]);
    expect(timelineSpan(rows, T0 + 50)).toEqual({ startMs: T0, endMs: T0 + 50 });
    expect(timelineSpan([], T0)).toEqual({ startMs: T0, endMs: T0 });
  });
});
