/**
 * Replays one instance's stored history from scratch against the registered code and reports
 * the first event where they part. Detection is the run's own (a recorded call the code did not
 * make raises NonDeterminismError); this module drives the history through a fresh run one
 * episode at a time and, at the end of each episode, checks what the live engine would have
 * recorded there: the calls the code made that history lacks, the outcome, the patches.
 *
 * A store keeps the history of the current execution only (continueAsNew starts an empty one);
 * a history holding several executions is split after each ExecutionContinuedAsNew and each
 * part is replayed in its own run.
 */
import type { Registry } from "../definitions/registry.js";
import { NonDeterminismError } from "../errors.js";
import type { Command } from "./command.js";
import type { HistoryEvent } from "./history-event.js";
import { OrchestrationRun, type RunEnvironment } from "./orchestration-run.js";

/** A history event as the divergence names it; `EndOfHistory` when the history ran out. */
export interface RecordedEvent {
  type: HistoryEvent["type"] | "EndOfHistory";
  name?: string;
  seq?: number;
}

export interface Divergence {
  /** Position of the event in the history given. */
  index: number;
  recorded: RecordedEvent;
  /** What the code did instead, e.g. `scheduled activity "Charge"`, `created a timer`, `completed`, `nothing`. */
  actual: string;
  message: string;
}

export type ReplayCheckResult =
  | { instanceId: string; name: string; ok: true }
  | { instanceId: string; name: string; ok: false; divergence: Divergence };

const OUTCOME_TYPES = new Set<string>(["ExecutionCompleted", "ExecutionFailed", "ExecutionContinuedAsNew", "ExecutionTerminated"]);
/** Events an episode appends after the calls it records. */
const TAIL_TYPES = new Set<string>([...OUTCOME_TYPES, "PatchApplied", "CustomStatusSet"]);

/** Replays `history` of instance `instanceId` (orchestration `name` when history has no start yet). */
export async function checkHistory(
  instanceId: string,
  name: string,
  history: readonly HistoryEvent[],
  registry: Registry,
  env: RunEnvironment,
): Promise<ReplayCheckResult> {
  for (const [from, to] of executions(history)) {
    const startAt = history.slice(from, to).findIndex((e) => e.type === "ExecutionStarted");
    const start = history[from + startAt];
    const startName = start?.type === "ExecutionStarted" ? start.name : name;
    const definition = registry.orchestrations.get(startName);
    if (!definition) {
      const index = startAt < 0 ? from : from + startAt;
      const actual = `found no orchestration named "${startName}" among the registered functions`;
      return diverged(instanceId, startName, history, index, actual, `Instance "${instanceId}": the code ${actual}. Register it (or keep hosting the old definition).`);
    }
    const divergence = await checkExecution(new OrchestrationRun(instanceId, definition, env), history, from, to);
    if (divergence) return { instanceId, name: startName, ok: false, divergence };
  }
  const first = history.find((e) => e.type === "ExecutionStarted");
  return { instanceId, name: first?.type === "ExecutionStarted" ? first.name : name, ok: true };
}

/** [from, to) of each execution: a new one starts after each ExecutionContinuedAsNew. */
function executions(history: readonly HistoryEvent[]): [number, number][] {
  const parts: [number, number][] = [];
  let from = 0;
  history.forEach((event, i) => {
    if (event.type === "ExecutionContinuedAsNew") {
      parts.push([from, i + 1]);
      from = i + 1;
    }
  });
  if (from < history.length || parts.length === 0) parts.push([from, history.length]);
  return parts;
}

async function checkExecution(run: OrchestrationRun, history: readonly HistoryEvent[], from: number, to: number): Promise<Divergence | undefined> {
  run.expectHistory(history.slice(from, to));
  let episodeStart = from;
  for (let i = from; i < to; i++) {
    const event = history[i]!;
    if (event.type === "EpisodeStarted" && i > episodeStart) {
      const divergence = checkEpisodeEnd(run, history, episodeStart, i);
      if (divergence) return divergence;
      episodeStart = i;
    }
    try {
      await run.replayEvent(event);
    } catch (error) {
      const seq = "seq" in event ? event.seq : undefined;
      const issued = seq === undefined ? undefined : run.unrecordedAt(seq);
      const actual = issued ? describeCommand(issued) : run.finished ? describeOutcome(run.finished) : "nothing";
      const message = error instanceof NonDeterminismError ? error.message : `Replaying the history failed: ${(error as Error)?.message ?? String(error)}`;
      return divergence(history, i, actual, message);
    }
  }
  return checkEpisodeEnd(run, history, episodeStart, to);
}

/** At the end of episode [from, to): the calls, patches and outcome history records for it. */
function checkEpisodeEnd(run: OrchestrationRun, history: readonly HistoryEvent[], from: number, to: number): Divergence | undefined {
  const instance = `Instance "${run.instanceId}"`;
  // Recorded calls follow the messages; anything after them is where a missing call would be.
  let tail = to;
  while (tail > from && TAIL_TYPES.has(history[tail - 1]!.type)) tail--;
  const extra = run.unrecordedCommands()[0];
  if (extra) {
    const actual = describeCommand(extra);
    return divergence(history, tail, actual, `${instance}: the code ${actual} at step ${extra.seq}, which history does not record there.`);
  }
  for (let i = from; i < to; i++) {
    const event = history[i]!;
    if (event.type === "PatchApplied" && !run.askedPatch(event.changeId)) {
      const actual = `never asked ctx.patched("${event.changeId}")`;
      return divergence(history, i, actual, `${instance}: history records the change "${event.changeId}" as taken, but the code ${actual}. Keep ctx.deprecatePatch("${event.changeId}") while such histories remain.`);
    }
  }
  const outcomeAt = history.slice(from, to).findIndex((e) => OUTCOME_TYPES.has(e.type));
  const recorded = outcomeAt < 0 ? undefined : history[from + outcomeAt]!;
  const expected = recorded ? OUTCOME_OF[recorded.type] : undefined;
  if (expected === run.finished) return undefined;
  const actual = run.finished ? describeOutcome(run.finished) : "kept waiting for something history never recorded (a call result, a timer or an event)";
  const index = recorded ? from + outcomeAt : to;
  const says = expected ? `history says the execution ${describeOutcome(expected)} here` : "history says the execution went on";
  return divergence(history, index, actual, `${instance}: ${says}, but the code ${actual}.`);
}

const OUTCOME_OF: Record<string, NonNullable<OrchestrationRun["finished"]>> = {
  ExecutionCompleted: "Completed",
  ExecutionFailed: "Failed",
  ExecutionContinuedAsNew: "ContinuedAsNew",
  ExecutionTerminated: "Terminated",
};

function describeOutcome(status: NonNullable<OrchestrationRun["finished"]>): string {
  return status === "ContinuedAsNew" ? "continued as new" : status.toLowerCase();
}

function describeCommand(command: Command): string {
  switch (command.type) {
    case "ScheduleTask":
      return `scheduled activity "${command.name}"`;
    case "StartSubOrchestration":
      return `started sub-orchestration "${command.name}"`;
    case "CreateTimer":
      return "created a timer";
    case "CancelTimer":
      return "cancelled a timer";
  }
}

function divergence(history: readonly HistoryEvent[], index: number, actual: string, message: string): Divergence {
  return { index, recorded: recordedAt(history, index), actual, message };
}

function diverged(instanceId: string, name: string, history: readonly HistoryEvent[], index: number, actual: string, message: string): ReplayCheckResult {
  return { instanceId, name, ok: false, divergence: divergence(history, index, actual, message) };
}

function recordedAt(history: readonly HistoryEvent[], index: number): RecordedEvent {
  const event = history[index];
  if (!event) return { type: "EndOfHistory" };
  const recorded: RecordedEvent = { type: event.type };
  if ("name" in event) recorded.name = event.name;
  else if (event.type === "PatchApplied") recorded.name = event.changeId;
  if ("seq" in event) recorded.seq = event.seq;
  return recorded;
}
