/**
 * Inline activities: when an episode schedules an activity that this process hosts and has a
 * free slot for, its first attempt starts at once, before the episode commits. If it finishes
 * within a short window, the episode goes on with its result in memory (the same events a
 * separate episode would have recorded), and so on down a chain of steps, which then commit
 * together: one transaction instead of two per step.
 *
 * An attempt still running when the window closes (or one that is to be retried) is handed
 * off: its task is committed with the episode, already leased to this worker, and its outcome
 * is committed after the episode's, exactly as for a task claimed from the queue. A crash
 * before the commit loses the chain's results and the episode is redone: activities are
 * at-least-once either way.
 */
import { randomUUID } from "node:crypto";
import type { Command, EpisodeResult } from "../engine/command.js";
import type { InboxMessage } from "../engine/history-event.js";
import type { OrchestrationRun } from "../engine/orchestration-run.js";
import { ClosedError } from "../errors.js";
import { faultPoint } from "../observability/fault-points.js";
import { outcomeMessage, type ActivityWorkItem, type CommitOp, type OrchestrationWorkItem, type RunningTask } from "../store/store.js";
import { executeAttempt, submitOutcome, type ActivityRunnerDeps } from "./activity-runner.js";
import { AttemptAbort } from "./attempt-abort.js";
import { afterMicrotasks } from "./microtasks.js";

type ScheduleTask = Extract<Command, { type: "ScheduleTask" }>;

/** How long an episode waits for its inline attempts before committing without them. */
const SETTLE_WINDOW_MS = 5;
/**
 * Bounds on one chain: the work a crash can undo, and the size of its commit. Past the step
 * and event bounds, the attempts the chain's last step schedules still start, handed off.
 */
const MAX_CHAIN_STEPS = 100;
const MAX_CHAIN_MS = 500;
const MAX_CHAIN_EVENTS = 2_000;

/** What the worker offers an episode: a slot and a lease owner for an inline attempt. */
export interface InlineActivityHost {
  readonly workerId: string;
  readonly leaseMs: number;
  /** Starts the first attempt now if this process hosts the activity and has a free slot. */
  tryStart(task: ActivityWorkItem): InlineAttempt | undefined;
}

/** One inline attempt, from its start until its result is committed (with the episode, or after it) or dropped. */
export class InlineAttempt {
  readonly abort = new AttemptAbort();
  /** Set once the attempt has finished: the op its outcome would commit. */
  outcome: CommitOp | undefined;
  readonly finished: Promise<CommitOp>;
  /** Settles when nothing is left to do: the result was committed or dropped. */
  readonly done: Promise<void>;
  /** The episode took the result into its own events (else the task is handed off). */
  private consumed = false;
  private episodeCommitted!: (committed: Promise<boolean>) => void;

  constructor(
    readonly task: ActivityWorkItem,
    deps: ActivityRunnerDeps,
    /** The attempt no longer runs: called once its result is consumed, else once it is done. */
    private readonly onSlotFree: () => void,
  ) {
    const finished = executeAttempt(task, this.abort, deps).then((op) => (this.outcome = op));
    this.finished = finished;
    const committed = new Promise<Promise<boolean>>((resolve) => (this.episodeCommitted = resolve));
    this.done = (async () => {
      const landed = await (await committed);
      // Still running counts as running (stop() waits for it), whatever becomes of its result.
      const op = await finished;
      // A handed-off task's row exists only if the episode that schedules it committed.
      if (landed && !this.consumed) await submitOutcome(task, this.abort, op, deps);
      if (!landed) deps.logger.warn(`[${task.instanceId}] ${task.name}: result discarded, the episode that scheduled it did not commit`);
    })()
      .catch((error: unknown) => deps.logger.error(`[${task.instanceId}] ${task.name}: ${(error as Error).message}`))
      .finally(onSlotFree);
  }

  /** The worker stopped and aborted this attempt: its task is left to the queue, for any worker. */
  get abandoned(): boolean {
    return this.abort.aborted && this.abort.reason instanceof ClosedError;
  }

  /** The episode takes the result: it is committed with the episode's events. */
  consume(): void {
    faultPoint("activity-after-run-before-complete");
    this.consumed = true;
    this.onSlotFree();
  }

  /** Called once per attempt with the episode's commit: true when it landed. */
  afterEpisode(committed: Promise<boolean>): void {
    this.episodeCommitted(committed);
  }
}

/** A chain's result, every attempt it started, and the tasks handed off still running. */
export interface InlineChain {
  result: EpisodeResult;
  attempts: InlineAttempt[];
  runningTasks: RunningTask[];
}

/**
 * Runs inline the activities `first` schedules, feeds finished results back to `run` as new
 * episodes, and repeats while the run keeps scheduling activities that finish quickly. The
 * caller must pass the episode's commit to `afterEpisode` of every attempt returned.
 */
export async function continueInline(
  run: OrchestrationRun,
  item: OrchestrationWorkItem,
  first: EpisodeResult,
  host: InlineActivityHost,
  now: () => number,
  /** When the episode began: the chain's time bound counts from there. */
  startedAt: number,
): Promise<InlineChain> {
  // Past this, the instance's lease may have lapsed (a frozen process, say): start nothing more.
  const maxChainMs = Math.min(MAX_CHAIN_MS, host.leaseMs / 3);
  // One result grows along the chain; appending in place keeps a long chain linear.
  const result: EpisodeResult = { ...first, newEvents: [...first.newEvents], commands: [...first.commands] };
  let fresh = first.commands;
  const all: InlineAttempt[] = [];
  const handedOff: InlineAttempt[] = [];
  try {
    for (let steps = 0; result.runtimeStatus === "Running" && now() - startedAt < maxChainMs; steps++) {
      const attempts = startAttempts(fresh, item, host, now());
      all.push(...attempts);
      if (attempts.length === 0) break;
      if (steps >= MAX_CHAIN_STEPS || result.newEvents.length >= MAX_CHAIN_EVENTS) {
        handedOff.push(...attempts);
        break;
      }
      await settleWithin(attempts, SETTLE_WINDOW_MS);
      const messages: InboxMessage[] = [];
      const consumed = new Set<number>();
      for (const attempt of attempts) {
        // Neither consumed nor handed off: its task is committed unleased, for another worker at once.
        if (attempt.abandoned) continue;
        const message = attempt.outcome && toMessage(attempt.outcome);
        if (message) {
          attempt.consume();
          messages.push(message);
          consumed.add(attempt.task.seq);
        } else {
          handedOff.push(attempt);
        }
      }
      if (consumed.size > 0) result.commands = result.commands.filter((c) => !(c.type === "ScheduleTask" && consumed.has(c.seq)));
      if (messages.length === 0) break;
      const next = await run.runEpisode(messages, now());
      fresh = next.commands;
      append(result, next);
    }
  } catch (error) {
    for (const attempt of all) attempt.afterEpisode(Promise.resolve(false));
    throw error;
  }
  const runningTasks = handedOff.map((attempt) => ({
    seq: attempt.task.seq,
    leaseOwner: host.workerId,
    leaseToken: attempt.task.leaseToken,
    leaseMs: host.leaseMs,
  }));
  return { result, attempts: all, runningTasks };
}

function startAttempts(commands: readonly Command[], item: OrchestrationWorkItem, host: InlineActivityHost, now: number): InlineAttempt[] {
  const attempts: InlineAttempt[] = [];
  for (const command of commands) {
    if (command.type !== "ScheduleTask" || (command.visibleAt ?? 0) > now) continue;
    const attempt = host.tryStart(toWorkItem(command, item, now));
    if (!attempt) break; // no free slot: the rest go through the queue
    attempts.push(attempt);
  }
  return attempts;
}

function toWorkItem(command: ScheduleTask, item: OrchestrationWorkItem, now: number): ActivityWorkItem {
  return {
    instanceId: item.instanceId,
    executionId: item.executionId,
    seq: command.seq,
    name: command.name,
    input: command.input,
    attempt: command.attempt,
    idempotencyKey: command.idempotencyKey,
    retry: command.retry,
    firstVisibleAt: now,
    ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
    leaseToken: randomUUID(),
  };
}

/** The inbox message a final outcome becomes; none for a retry, which goes through the queue. */
function toMessage(op: CommitOp): InboxMessage | undefined {
  return op.type === "activityCompleted" || op.type === "activityFailed" ? outcomeMessage(op) : undefined;
}

async function settleWithin(attempts: readonly InlineAttempt[], windowMs: number): Promise<void> {
  // Activities that need no I/O are done once the microtasks drain: no timer for them.
  await afterMicrotasks();
  if (attempts.every((a) => a.outcome !== undefined)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(attempts.map((a) => a.finished)),
    new Promise((resolve) => (timer = setTimeout(resolve, windowMs))),
  ]);
  clearTimeout(timer);
}

/** Makes `into` the result of itself and the episode after it: events in order, the later status and output. */
function append(into: EpisodeResult, later: EpisodeResult): void {
  for (const event of later.newEvents) into.newEvents.push(event);
  for (const command of later.commands) into.commands.push(command);
  into.runtimeStatus = later.runtimeStatus;
  if (later.output !== undefined) into.output = later.output;
  if (later.failure !== undefined) into.failure = later.failure;
  if (later.customStatus !== undefined) into.customStatus = later.customStatus;
  if (later.continuedAsNew !== undefined) into.continuedAsNew = later.continuedAsNew;
}
