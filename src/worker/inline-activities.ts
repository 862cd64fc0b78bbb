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
 * at-least-once either way. (One attempt's course, consumed or handed off: inline-attempt.ts.)
 */
import type { Context } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import type { Command, EpisodeResult } from "../engine/command.js";
import type { InboxMessage } from "../engine/history-event.js";
import { outcomeMessage, type ActivityWorkItem, type CommitOp, type OrchestrationWorkItem, type RunningTask } from "../store/store.js";
import type { EpisodeRun } from "./determinism-guard.js";
import type { InlineAttempt } from "./inline-attempt.js";
import type { Leaseholder } from "./leaseholder.js";
import { afterMicrotasks } from "../support/microtasks.js";

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

/** What the worker offers an episode: a slot, and the lease holder of the tasks it hands off. */
export interface InlineActivityHost {
  readonly leaseholder: Leaseholder;
  /** Starts the first attempt now if this process hosts the activity and has a free slot. */
  tryStart(task: ActivityWorkItem, traceParent?: Context): InlineAttempt | undefined;
}

/** The episode a chain continues: its clock, when it began (the chain's time bound counts from there), and its span. */
export interface ContinuedEpisode {
  now: () => number;
  startedAt: number;
  /** The episode span's context, as stored with the tasks it schedules (see work-spans.ts). */
  traceContext: string | undefined;
  /** The same, as a context: the parent of the attempts it starts here. */
  attemptsParent: Context | undefined;
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
export async function continueInline(run: EpisodeRun, item: OrchestrationWorkItem, first: EpisodeResult, host: InlineActivityHost, episode: ContinuedEpisode): Promise<InlineChain> {
  const { now, startedAt } = episode;
  // Past this, the instance's lease may have lapsed (a frozen process, say): start nothing more.
  const maxChainMs = Math.min(MAX_CHAIN_MS, host.leaseholder.leaseMs / 3);
  // One result grows along the chain; appending in place keeps a long chain linear.
  const result: EpisodeResult = { ...first, newEvents: [...first.newEvents], commands: [...first.commands] };
  let fresh = first.commands;
  const all: InlineAttempt[] = [];
  const handedOff: InlineAttempt[] = [];
  try {
    for (let steps = 0; result.runtimeStatus === "Running" && now() - startedAt < maxChainMs; steps++) {
      const attempts = startAttempts(fresh, item, host, now(), episode);
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
    for (const attempt of all) attempt.afterEpisode(false);
    throw error;
  }
  const runningTasks = handedOff.map((attempt) => host.leaseholder.runningTask(attempt.task));
  return { result, attempts: all, runningTasks };
}

function startAttempts(
  commands: readonly Command[],
  item: OrchestrationWorkItem,
  host: InlineActivityHost,
  now: number,
  { traceContext, attemptsParent }: ContinuedEpisode,
): InlineAttempt[] {
  const attempts: InlineAttempt[] = [];
  for (const command of commands) {
    if (command.type !== "ScheduleTask" || (command.visibleAt ?? 0) > now) continue;
    const attempt = host.tryStart(toWorkItem(command, item, now, traceContext), attemptsParent);
    if (!attempt) break; // no free slot: the rest go through the queue
    attempts.push(attempt);
  }
  return attempts;
}

function toWorkItem(command: ScheduleTask, item: OrchestrationWorkItem, now: number, traceContext: string | undefined): ActivityWorkItem {
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
    ...(traceContext ? { traceContext } : {}),
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
  // What the code waits on is what the last episode left it waiting on.
  if (later.awaiting !== undefined) into.awaiting = later.awaiting;
  else delete into.awaiting;
}
