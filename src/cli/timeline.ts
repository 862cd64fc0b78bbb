/**
 * The live timeline of `baton dev`: the events of each committed episode, and the ctx.log lines
 * of orchestrations and activities, in causal order. Events arrive once committed (onHistory),
 * but an episode's code, and the activities it runs inline before its commit, log earlier:
 * such a line is held until the events it follows are printed.
 *
 * A line is about an instance when its fields name one (`instanceId`), and about one activity
 * call when they also name the call (`seq`: activity lines carry it, orchestration lines do not).
 * Where a held line goes, within its instance's next episode:
 * - an activity's line after the "call" of that seq; if the call is already printed and not
 *   done, the line is printed at once;
 * - an orchestration's line after the episode's first event (what woke it), and, when it came
 *   after an activity's lines, after the next "done" or "failed";
 * - held lines keep the order they came in; what is left at the end of the episode follows it.
 * A line no episode takes within HOLD_MS (its episode never committed, or its call was printed
 * by an earlier process) is printed then: late, never lost.
 * Lines reach the base logger without `workerId` and `executionId`: one dev process has one
 * worker, and the timeline shows each generation's start.
 */
import { splitLogArgs, type LogFields, type Logger } from "../definitions/logger.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import type { TimedLogger } from "../observability/console-logger.js";
import { bold, describeEvent, dim } from "./format.js";

const HOLD_MS = 2_000;
/** Past this many held lines, lines print as they come. */
const MAX_HELD = 10_000;
const ENDED = new Set(["ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated"]);

interface HeldLine {
  /** The activity call (seq) the line is of, undefined for the orchestration's. */
  seq: number | undefined;
  heldAt: number;
  write: () => void;
}

export class Timeline {
  /** Orchestration name by instance, learnt from "started". */
  private readonly names = new Map<string, string>();
  /** Calls printed and not yet done, by instance: their seqs. */
  private readonly openCalls = new Map<string, Set<number>>();
  private readonly held = new Map<string, HeldLine[]>();
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `base` as the worker's logger, with lines about an instance placed on its timeline; a line
   * held back is printed with the time it was logged, so the times of the timeline rise.
   */
  logger(base: TimedLogger): Logger {
    const level =
      (name: keyof Logger) =>
      (message: string, ...args: unknown[]): void => {
        const time = new Date(this.now());
        const { fields, rest } = splitLogArgs(args);
        const { workerId: _worker, executionId: _execution, ...shown } = fields ?? {};
        this.log(fields, () => base[name](time, message, ...(fields ? [shown] : []), ...rest));
      };
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
        const ready = line.seq !== undefined ? this.isOpen(instanceId, line.seq) : woken && !awaitingDone;
        if (!ready) return;
        queue.shift();
        if (line.seq !== undefined) awaitingDone = true;
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
      if (!calls) this.openCalls.set(instanceId, (calls = new Set()));
      calls.add(e.seq!);
    }
    if (event.type === "TaskCompleted" || event.type === "TaskFailed") this.openCalls.get(instanceId)?.delete(e.seq!);
    const clock = event.timestamp.toISOString().slice(11, 23);
    this.out(`${dim(clock)}  ${bold(instanceId)} ${dim(this.names.get(instanceId) ?? "")}  ${describeEvent(event)}`);
    if (ENDED.has(event.type)) {
      this.names.delete(instanceId);
      this.openCalls.delete(instanceId);
    }
  }

  private log(fields: LogFields | undefined, write: () => void): void {
    const instanceId = fields?.instanceId;
    if (typeof instanceId !== "string" || this.heldCount >= MAX_HELD) return write();
    const seq = typeof fields?.seq === "number" ? fields.seq : undefined;
    if (seq !== undefined && this.isOpen(instanceId, seq)) return write();
    let queue = this.held.get(instanceId);
    if (!queue) this.held.set(instanceId, (queue = []));
    queue.push({ seq, heldAt: this.now(), write });
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

  private isOpen(instanceId: string, seq: number): boolean {
    return this.openCalls.get(instanceId)?.has(seq) ?? false;
  }
}
