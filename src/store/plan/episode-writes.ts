/**
 * What an episode writes besides its instance row and history segment, worked out from the
 * episode alone: its commands sorted by what each writes. An episode that ends its execution
 * carries out only its children's starts (commandsCarriedOut).
 */
import { commandsCarriedOut, type Command } from "../../engine/command.js";
import type { CommitOp } from "../work-queue.js";
import { leaseExpiry, type Clock } from "./lease.js";
import type { NewTask } from "./new-task.js";

export type EpisodeOp = Extract<CommitOp, { type: "episode" }>;
type CreateTimer = Extract<Command, { type: "CreateTimer" }>;
export type StartSubOrchestration = Extract<Command, { type: "StartSubOrchestration" }>;

export interface EpisodeWrites {
  /** The tasks to insert, in command order; those already running in the worker come leased to it. */
  tasks: NewTask[];
  /** Timers to queue: those created and not cancelled in the same episode. */
  timers: CreateTimer[];
  /** Timers of earlier episodes that this one cancels. */
  cancelledTimers: number[];
  children: StartSubOrchestration[];
  /** It queues work some worker may take at once (an unleased task, a timer, a child). */
  queuesWork: boolean;
}

export function episodeWrites(op: EpisodeOp, now: number, clock: Clock): EpisodeWrites {
  const tasks: NewTask[] = [];
  const timers: CreateTimer[] = [];
  const children: StartSubOrchestration[] = [];
  const cancelled = new Set<number>();
  const running = new Map(op.runningTasks?.map((task) => [task.seq, task]));
  for (const command of commandsCarriedOut(op.result)) {
    if (command.type === "ScheduleTask") {
      const leased = running.get(command.seq);
      tasks.push({
        instanceId: op.instanceId,
        executionId: op.executionId,
        seq: command.seq,
        name: command.name,
        input: command.input,
        attempt: command.attempt,
        idempotencyKey: command.idempotencyKey,
        retry: command.retry === null ? null : JSON.stringify(command.retry),
        visibleAt: Math.max(command.visibleAt ?? now, now),
        lease: leased && { owner: leased.leaseOwner, token: leased.leaseToken, expiresAt: leaseExpiry(now, leased.leaseMs, clock) },
        timeoutMs: command.timeoutMs,
        traceContext: op.traceContext,
      });
    } else if (command.type === "CreateTimer") timers.push(command);
    else if (command.type === "StartSubOrchestration") children.push(command);
    else cancelled.add(command.seq);
  }
  // A timer created and cancelled in the same episode is never queued.
  const queuedTimers = timers.filter((timer) => !cancelled.has(timer.seq));
  return {
    tasks,
    timers: queuedTimers,
    cancelledTimers: [...cancelled].filter((seq) => !timers.some((timer) => timer.seq === seq)),
    children,
    queuesWork: tasks.some((task) => !task.lease) || queuedTimers.length > 0 || children.length > 0,
  };
}
