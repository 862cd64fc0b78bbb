/**
 * What each chaos orchestration must end with, computed from its input alone (mirroring
 * functions.ts), and the problems of one stored history measured against it. A history must
 * hold one run of its execution: one ExecutionStarted, each sequence number scheduled once
 * (whatever the kind: activity, timer, child), each completed at most once and only after it
 * was scheduled by a call of the same kind, and, for an instance that completed, exactly the
 * calls its input implies and the output it implies.
 */
import type { HistoryEntry } from "../../src/index.js";
import { eventValue, type ChainInput, type ChildInput, type DetachedInput, type EventsInput, type FanOutInput, type LoopInput, type ParentInput, type TimerInput } from "./functions.js";

export interface Expected {
  status: "Completed" | "Terminated";
  output?: number;
  /** Calls an execution that completed made, by kind (checked only for Completed). */
  tasks?: number;
  timers?: number;
  subs?: number;
  /** False when a child is started and never awaited: its result may never come back. */
  awaitsChildren?: boolean;
}

const triangle = (k: number): number => (k * (k + 1)) / 2;

export function expectedRun(name: string, input: unknown): Expected {
  switch (name) {
    case "ChaosChain": {
      const { n, length } = input as ChainInput;
      return { status: "Completed", output: n + triangle(length), tasks: length, timers: 0, subs: 0 };
    }
    case "ChaosFanOut": {
      const { n, width } = input as FanOutInput;
      return { status: "Completed", output: width * n + triangle(width - 1), tasks: width, timers: 0, subs: 0 };
    }
    case "ChaosTimer":
      return { status: "Completed", output: (input as TimerInput).n + 2, tasks: 2, timers: 1, subs: 0 };
    case "ChaosEvents": {
      const { n, events } = input as EventsInput;
      const sum = Array.from({ length: events }, (_, i) => eventValue(i)).reduce((a, b) => a + b, 0);
      return { status: "Completed", output: n + sum, tasks: 1, timers: 0, subs: 0 };
    }
    case "ChaosChild": {
      const { n, depth } = input as ChildInput;
      return depth >= 2
        ? { status: "Completed", output: n + 1, tasks: 1, timers: 0, subs: 0 }
        : { status: "Completed", output: n + 3, tasks: 2, timers: 0, subs: 1 };
    }
    case "ChaosParent": {
      const { n } = input as ParentInput;
      return { status: "Completed", output: n + 3 + (n + 1 + 3), tasks: 0, timers: 0, subs: 2 };
    }
    case "ChaosLoop": {
      // The history shown is the last generation's: one call, then the end.
      const { n, remaining } = input as LoopInput;
      return { status: "Completed", output: n + remaining + 1, tasks: 1, timers: 0, subs: 0 };
    }
    case "ChaosDetached": {
      const { n, endAtOnce } = input as DetachedInput;
      return { status: "Completed", output: endAtOnce ? n : n + 1, tasks: endAtOnce ? 0 : 1, timers: 0, subs: 1, awaitsChildren: false };
    }
    case "ChaosHold":
      return { status: "Terminated" };
    default:
      throw new Error(`no expectation for orchestration ${name}`);
  }
}

const SCHEDULED = { TaskScheduled: "task", TimerCreated: "timer", SubOrchestrationScheduled: "sub" } as const;
const COMPLETIONS = {
  TaskCompleted: "task",
  TaskFailed: "task",
  TimerFired: "timer",
  SubOrchestrationCompleted: "sub",
  SubOrchestrationFailed: "sub",
} as const;

/** Problems of one history against what its instance must end with; [] when it is one clean run. */
export function historyProblems(history: readonly HistoryEntry[], expected: Expected, output: unknown): string[] {
  const problems: string[] = [];
  const count = (type: string): number => history.filter((e) => e.type === type).length;
  const starts = history.filter((e) => e.type === "ExecutionStarted");
  const executions = new Set(starts.map((e) => e.executionId));
  if (starts.length > 1) problems.push(`${starts.length} ExecutionStarted (${executions.size} execution id${executions.size === 1 ? "" : "s"})`);
  // One pass in history order: a result must follow the call it completes.
  const scheduledKind = new Map<number, string>();
  const completed = new Set<number>();
  for (const event of history) {
    const seq = event.seq as number;
    const scheduled = SCHEDULED[event.type as keyof typeof SCHEDULED];
    if (scheduled !== undefined) {
      if (scheduledKind.has(seq)) problems.push(`seq ${seq} scheduled twice (${scheduledKind.get(seq)}, then ${scheduled})`);
      else scheduledKind.set(seq, scheduled);
    }
    const completion = COMPLETIONS[event.type as keyof typeof COMPLETIONS];
    if (completion !== undefined) {
      if (completed.has(seq)) problems.push(`seq ${seq} completed twice (${event.type})`);
      completed.add(seq);
      if (scheduledKind.get(seq) !== completion) problems.push(`${event.type} seq ${seq} matches no ${completion} scheduled before it`);
    }
  }
  const last = history[history.length - 1]?.type;
  if (expected.status === "Terminated") {
    if (last !== "ExecutionTerminated") problems.push(`last event is ${last}, expected ExecutionTerminated`);
    if (count("ExecutionTerminated") > 1) problems.push(`${count("ExecutionTerminated")} ExecutionTerminated`);
    return problems;
  }
  if (starts.length === 0) problems.push("no ExecutionStarted");
  if (last !== "ExecutionCompleted") problems.push(`last event is ${last}, expected ExecutionCompleted`);
  if (count("ExecutionCompleted") !== 1) problems.push(`${count("ExecutionCompleted")} ExecutionCompleted`);
  if (count("TaskFailed") > 0) problems.push(`${count("TaskFailed")} TaskFailed (every planned failure is within the retry policy)`);
  const kinds = [...scheduledKind.values()];
  const wanted = { task: expected.tasks, timer: expected.timers, sub: expected.subs };
  for (const [kind, n] of Object.entries(wanted)) {
    const got = kinds.filter((k) => k === kind).length;
    if (n !== undefined && got !== n) problems.push(`${got} ${kind} calls scheduled, expected ${n}`);
  }
  for (const [seq, kind] of scheduledKind) {
    if (!completed.has(seq) && !(kind === "sub" && expected.awaitsChildren === false)) problems.push(`${kind} seq ${seq} scheduled, never completed`);
  }
  if (JSON.stringify(output) !== JSON.stringify(expected.output)) problems.push(`output ${JSON.stringify(output)}, expected ${expected.output}`);
  return problems;
}

/** A few lines of a history around its problems, for the report. */
export function historyExcerpt(history: readonly HistoryEntry[], maxLines = 14): string[] {
  const lines = history.map((e) => {
    const time = e.timestamp.toISOString().slice(11, 23);
    const detail = ["seq", "name", "executionId", "instanceId", "input", "output"]
      .filter((field) => e[field] !== undefined)
      .map((field) => `${field}=${typeof e[field] === "string" ? e[field] : JSON.stringify(e[field])}`)
      .join(" ");
    return `${time} ${e.type}${detail ? ` ${detail}` : ""}`;
  });
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, maxLines - 4), `… ${lines.length - maxLines + 1} more …`, ...lines.slice(-3)];
}
