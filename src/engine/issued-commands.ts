/**
 * The commands the code issued that history does not record yet, by sequence number.
 * Replaying a recorded call (TaskScheduled, TimerCreated, SubOrchestrationScheduled) matches
 * it against the command the code issued at that step: the same kind and name, else
 * NonDeterminismError. At the end of a live episode the commands left are what the episode
 * carries out, recorded with it; timers cancelled in the episode add their CancelTimer.
 */
import { NonDeterminismError, STALLED_INSTANCE_FIX } from "../errors.js";
import { isCarriedOut, type Command, type EpisodeResult } from "./command.js";
import type { HistoryEvent } from "./history-event.js";
import { optional } from "./optional-field.js";

type RecordedCall = Extract<HistoryEvent, { type: "TaskScheduled" | "TimerCreated" | "SubOrchestrationScheduled" }>;

/** The command each recorded call records. */
const RECORDED_AS = {
  TaskScheduled: "ScheduleTask",
  TimerCreated: "CreateTimer",
  SubOrchestrationScheduled: "StartSubOrchestration",
} as const satisfies Record<RecordedCall["type"], Command["type"]>;

export class IssuedCommands {
  private readonly unrecorded = new Map<number, Command>();
  /** Recorded timers cancelled in this episode (cancels during replay were committed before). */
  private readonly cancelledTimers: number[] = [];

  constructor(private readonly run: { readonly instanceId: string; readonly isReplaying: boolean }) {}

  issue(command: Command): void {
    this.unrecorded.set(command.seq, command);
  }

  cancelTimer(seq: number): void {
    // A timer created in this same episode is simply never created.
    if (this.unrecorded.delete(seq)) return;
    if (!this.run.isReplaying) this.cancelledTimers.push(seq);
  }

  /** History records this call: the code must have issued the same one at the same step. */
  matchRecorded(event: RecordedCall): void {
    const { seq } = event;
    const type = RECORDED_AS[event.type];
    const name = event.type === "TimerCreated" ? "timer" : event.name;
    const issued = this.unrecorded.get(seq);
    const issuedName = issued?.type === "ScheduleTask" || issued?.type === "StartSubOrchestration" ? issued.name : "timer";
    if (!issued || issued.type !== type || issuedName !== name) {
      const recorded = describe(type, name);
      const actual = !issued ? "made no call there" : issued.type === "CreateTimer" ? "created a timer" : `called ${describe(issued.type, issuedName)}`;
      throw new NonDeterminismError(
        `Instance "${this.run.instanceId}": history has ${recorded} at step ${seq}, but the code ${actual}. ` +
          `The orchestration code changed in a way that does not fit instances already in flight. ${STALLED_INSTANCE_FIX}`,
      );
    }
    this.unrecorded.delete(seq);
  }

  /** The commands left unrecorded that an episode ending with `runtimeStatus` would carry out, by seq. */
  peek(runtimeStatus: EpisodeResult["runtimeStatus"]): Command[] {
    return [...this.unrecorded.values()].sort((a, b) => a.seq - b.seq).filter((c) => isCarriedOut(c, runtimeStatus));
  }

  at(seq: number): Command | undefined {
    return this.unrecorded.get(seq);
  }

  /**
   * The commands this episode carries out, by seq, then its timer cancels; appends the events
   * that record them to `newEvents`. Commands it does not carry out are dropped.
   */
  take(runtimeStatus: EpisodeResult["runtimeStatus"], nowMs: number, newEvents: HistoryEvent[]): Command[] {
    const carriedOut = (command: Command): boolean => isCarriedOut(command, runtimeStatus);
    const commands = [...this.unrecorded.values()].sort((a, b) => a.seq - b.seq).filter(carriedOut);
    this.unrecorded.clear();
    const cancels = this.cancelledTimers.splice(0).map((seq): Command => ({ type: "CancelTimer", seq })).filter(carriedOut);
    for (const command of commands) {
      const event = recordingEvent(command, nowMs);
      if (event) newEvents.push(event);
    }
    return [...commands, ...cancels];
  }
}

function describe(type: Command["type"], name: string): string {
  return type === "ScheduleTask" ? `activity "${name}"` : type === "StartSubOrchestration" ? `sub-orchestration "${name}"` : "a timer";
}

/** The history event that records a command the code issued (the inverse of matchRecorded). */
function recordingEvent(command: Command, nowMs: number): HistoryEvent | undefined {
  switch (command.type) {
    case "ScheduleTask": {
      const { seq, name, input, attempt } = command;
      return { type: "TaskScheduled", timestamp: nowMs, seq, name, attempt, ...optional("input", input) };
    }
    case "CreateTimer":
      return { type: "TimerCreated", timestamp: nowMs, seq: command.seq, fireAt: command.fireAt };
    case "StartSubOrchestration": {
      const { seq, name, instanceId, input } = command;
      return { type: "SubOrchestrationScheduled", timestamp: nowMs, seq, name, instanceId, ...optional("input", input) };
    }
    case "CancelTimer":
      return undefined; // history keeps the timer; its fire message is dropped
  }
}
