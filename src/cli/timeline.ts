/**
 * The live timeline of `baton dev`: the events of each committed episode, and the ctx.log lines
 * of orchestrations and activities, in causal order. Events arrive once committed (onHistory),
 * but an episode's code, and the activities it runs inline before its commit, log earlier:
 * such a line is held until the events it follows are printed.
 *
 * Where a held line goes, within its instance's next episode:
 * - an activity's line ("[id] Name#attempt …" or "[id] Name: …") after the "call" of that
 *   activity; if the call is already printed and not done, the line is printed at once;
 * - an orchestration's line ("[id] …") after the episode's first event (what woke it), and,
 *   when it came after an activity's lines, after the next "done" or "failed";
 * - held lines keep the order they came in; what is left at the end of the episode follows it.
 * A line no episode takes within HOLD_MS (its episode never committed, or its call was printed
 * by an earlier process) is printed then: late, never lost.
 */
import type { Logger } from "../definitions/logger.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import { bold, describeEvent, dim } from "./format.js";

const HOLD_MS = 2_000;
/** Past this many held lines, lines print as they come. */
const MAX_HELD = 10_000;
const PREFIX = /^\[([A-Za-z0-9_.:@~+=/-]+)\] /; // an instance id (definitions/names.ts)
const ENDED = new Set(["ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated"]);

interface HeldLine {
  /** The activity the line is of, undefined for the orchestration's. */
  activity: string | undefined;
  heldAt: number;
  write: () => void;
}

export class Timeline {
  /** Orchestration name by instance, learnt from "started". */
  private readonly names = new Map<string, string>();
  /** Calls printed and not yet done, by instance: seq → activity name. */
  private readonly openCalls = new Map<string, Map<number, string>>();
  private readonly held = new Map<string, HeldLine[]>();
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: (line: string) => void,
    /** The hosted activities' names, longest first: how an activity's line is told apart. */
    activityNames: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.activityNames = [...activityNames].sort((a, b) => b.length - a.length);
  }

  private readonly activityNames: string[];

  /** `base` as the worker's logger, with lines about an instance placed on its timeline. */
  logger(base: Logger): Logger {
    const level =
      (name: keyof Logger) =>
      (message: string, ...args: unknown[]): void =>
        this.log(message, () => base[name](message, ...args));
    return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
  }

  /** The events one committed episode appended (BatonOptions.onHistory). */
  history(instanceId: string, events: readonly HistoryEntry[]): void {
    const queue = this.held.get(instanceId) ?? [];
    this.held.delete(instanceId);
    this.heldCount -= queue.length;
    let woken = false;
    let awaitingDone = false;
    const release = (): void => {
      while (queue.length > 0) {
        const line = queue[0]!;
        const ready = line.activity !== undefined ? this.isOpen(instanceId, line.activity) : woken && !awaitingDone;
        if (!ready) return;
        queue.shift();
        if (line.activity !== undefined) awaitingDone = true;
        line.write();
      }
    };
    for (const event of events) {
      if (event.type === "EpisodeStarted") continue;
      this.printEvent(instanceId, event);
      woken = true;
      if (event.type === "TaskCompleted" || event.type === "TaskFailed") awaitingDone = false;
      release();
    }
    for (const line of queue) line.write();
  }

  /** Prints every held line (the worker has stopped). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const queue of this.held.values()) for (const line of queue) line.write();
    this.held.clear();
    this.heldCount = 0;
  }

  private printEvent(instanceId: string, event: HistoryEntry): void {
    const e = event as HistoryEntry & { seq?: number; name?: string };
    if (event.type === "ExecutionStarted") this.names.set(instanceId, String(e.name));
    if (event.type === "TaskScheduled") {
      let calls = this.openCalls.get(instanceId);
      if (!calls) this.openCalls.set(instanceId, (calls = new Map()));
      calls.set(e.seq!, String(e.name));
    }
    if (event.type === "TaskCompleted" || event.type === "TaskFailed") this.openCalls.get(instanceId)?.delete(e.seq!);
    const clock = event.timestamp.toISOString().slice(11, 23);
    this.out(`${dim(clock)}  ${bold(instanceId)} ${dim(this.names.get(instanceId) ?? "")}  ${describeEvent(event)}`);
    if (ENDED.has(event.type)) {
      this.names.delete(instanceId);
      this.openCalls.delete(instanceId);
    }
  }

  private log(message: string, write: () => void): void {
    const match = PREFIX.exec(message);
    if (!match || this.heldCount >= MAX_HELD) return write();
    const instanceId = match[1]!;
    const activity = this.activityOf(message.slice(match[0].length));
    if (activity !== undefined && this.isOpen(instanceId, activity)) return write();
    let queue = this.held.get(instanceId);
    if (!queue) this.held.set(instanceId, (queue = []));
    queue.push({ activity, heldAt: this.now(), write });
    this.heldCount++;
    this.timer ??= setTimeout(() => this.releaseStale(), HOLD_MS).unref();
  }

  /** Prints the queues whose oldest line has waited HOLD_MS; looks again while any is held. */
  private releaseStale(): void {
    this.timer = undefined;
    const cutoff = this.now() - HOLD_MS;
    for (const [instanceId, queue] of this.held) {
      if (queue[0]!.heldAt > cutoff) continue;
      this.held.delete(instanceId);
      this.heldCount -= queue.length;
      for (const line of queue) line.write();
    }
    if (this.held.size > 0) this.timer = setTimeout(() => this.releaseStale(), HOLD_MS).unref();
  }

  private activityOf(text: string): string | undefined {
    return this.activityNames.find((name) => text.startsWith(`${name}: `) || new RegExp(`^${escape(name)}#\\d+ `).test(text));
  }

  private isOpen(instanceId: string, activity: string): boolean {
    const calls = this.openCalls.get(instanceId);
    return calls !== undefined && [...calls.values()].includes(activity);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
