/**
 * Builders of the requests and commit ops the conformance tests hand to a store, made by hand
 * the way the engine and the worker make them, plus a few short flows (start an instance and
 * run its first episode, finish it) that many tests need as a starting point.
 */
import { expect } from "vitest";
import type { Command, EpisodeResult } from "../../../src/engine/command.js";
import { messageToEvent, type HistoryEvent, type InboxMessage } from "../../../src/engine/history-event.js";
import type {
  ActivityWorkItem,
  CommitOp,
  CommitOutcome,
  CreateInstanceRequest,
  OrchestrationWorkItem,
  Store,
  WorkClaim,
} from "../../../src/store/store.js";

/**
 * The time the tests start from. Every time is passed in by the caller, and the tests drive the
 * clock only through these arguments (no sleeps). The base lies a day ahead of the wall clock:
 * a store may count a lease from the later of `now` and its own clock (SQLite does, to cover
 * the wait for the write lock), and with `now` ahead of the clock, `now` is what counts.
 */
export const T0 = Math.ceil((Date.now() + 86_400_000) / 1000) * 1000;
export const at = (offsetMs: number): number => T0 + offsetMs;

export const ORCH = "Orch";
export const ACT = "Act";
export const LEASE_MS = 10_000;

export function createRequest(instanceId: string, overrides: Partial<CreateInstanceRequest> = {}): CreateInstanceRequest {
  return {
    instanceId,
    name: ORCH,
    executionId: `${instanceId}-exec-1`,
    input: JSON.stringify({ id: instanceId }),
    startAt: 0,
    reuseFinished: false,
    ...overrides,
  };
}

/** A claim for orchestrations only. */
export function orchestrationClaim(
  workerId: string,
  now: number,
  overrides: Partial<WorkClaim["orchestrations"]> = {},
): WorkClaim {
  return {
    orchestrations: { workerId, names: [ORCH], limit: 10, leaseMs: LEASE_MS, now, stalledBefore: 0, maxMessages: 1000, ...overrides },
    activities: { workerId, names: [], limit: 0, leaseMs: LEASE_MS, now },
  };
}

/** A claim for activity tasks only. */
export function activityClaim(workerId: string, now: number, overrides: Partial<WorkClaim["activities"]> = {}): WorkClaim {
  return {
    orchestrations: { workerId, names: [], limit: 0, leaseMs: LEASE_MS, now, stalledBefore: 0, maxMessages: 1000 },
    activities: { workerId, names: [ACT], limit: 10, leaseMs: LEASE_MS, now, ...overrides },
  };
}

export const scheduleTask = (seq: number, overrides: Partial<Extract<Command, { type: "ScheduleTask" }>> = {}): Command => ({
  type: "ScheduleTask",
  seq,
  name: ACT,
  input: JSON.stringify({ seq }),
  attempt: 1,
  idempotencyKey: `key-${seq}-${Math.random().toString(36).slice(2)}`,
  retry: null,
  ...overrides,
});
export const createTimer = (seq: number, fireAt: number): Command => ({ type: "CreateTimer", seq, fireAt });
export const cancelTimer = (seq: number): Command => ({ type: "CancelTimer", seq });

export const eventMessage = (name: string, data?: unknown): InboxMessage => ({
  type: "EventRaised",
  name,
  ...(data === undefined ? {} : { data: JSON.stringify(data) }),
});

/** What the episode produced, beyond the events of its consumed messages. */
export interface EpisodeSpec {
  commands?: Command[];
  runtimeStatus?: EpisodeResult["runtimeStatus"];
  output?: string;
  failure?: EpisodeResult["failure"];
  customStatus?: EpisodeResult["customStatus"];
  awaiting?: EpisodeResult["awaiting"];
}

/** The fencing fields of an episode op, to override with stale values. */
export type EpisodeFence = Partial<Pick<Extract<CommitOp, { type: "episode" }>, "leaseToken" | "historyLengthBefore" | "consumedMessageIds">>;

/**
 * The episode op a worker would commit for this claimed item: EpisodeStarted, one event per
 * consumed message, one TaskScheduled / TimerCreated per new call, and the final event.
 */
export function episodeOp(item: OrchestrationWorkItem, now: number, spec: EpisodeSpec = {}, fence: EpisodeFence = {}): CommitOp {
  const commands = spec.commands ?? [];
  const runtimeStatus = spec.runtimeStatus ?? "Running";
  const events: HistoryEvent[] = [{ type: "EpisodeStarted", timestamp: now }];
  for (const { message } of item.messages) events.push(messageToEvent(message, now));
  for (const command of commands) {
    if (command.type === "ScheduleTask") {
      events.push({ type: "TaskScheduled", timestamp: now, seq: command.seq, name: command.name, attempt: command.attempt, ...(command.input === undefined ? {} : { input: command.input }) });
    } else if (command.type === "CreateTimer") {
      events.push({ type: "TimerCreated", timestamp: now, seq: command.seq, fireAt: command.fireAt });
    }
  }
  if (spec.customStatus) events.push({ type: "CustomStatusSet", timestamp: now, ...(spec.customStatus.value === undefined ? {} : { value: spec.customStatus.value }) });
  if (runtimeStatus === "Completed") events.push({ type: "ExecutionCompleted", timestamp: now, ...(spec.output === undefined ? {} : { output: spec.output }) });
  if (runtimeStatus === "Failed") events.push({ type: "ExecutionFailed", timestamp: now, error: { name: "Error", message: spec.failure?.message ?? "failed" } });
  const result: EpisodeResult = {
    newEvents: events,
    commands,
    runtimeStatus,
    ...(spec.output === undefined ? {} : { output: spec.output }),
    ...(spec.failure === undefined ? {} : { failure: spec.failure }),
    ...(spec.customStatus === undefined ? {} : { customStatus: spec.customStatus }),
    ...(spec.awaiting === undefined ? {} : { awaiting: spec.awaiting }),
  };
  return {
    type: "episode",
    instanceId: item.instanceId,
    executionId: item.executionId,
    leaseToken: fence.leaseToken ?? item.leaseToken,
    historyLengthBefore: fence.historyLengthBefore ?? item.historyLength,
    consumedMessageIds: fence.consumedMessageIds ?? item.messages.map((m) => m.id),
    result,
  };
}

export const activityCompleted = (task: ActivityWorkItem, output?: string): CommitOp => ({ type: "activityCompleted", task, output });
export const activityRetry = (task: ActivityWorkItem, visibleAt: number): CommitOp => ({
  type: "activityRetry",
  task,
  visibleAt,
  error: { name: "Error", message: `attempt ${task.attempt} failed` },
});

// ---- short flows ----

/** Claims orchestrations and expects exactly one item, for this instance. */
export async function claimInstance(store: Store, instanceId: string, workerId: string, now: number, overrides: Partial<WorkClaim["orchestrations"]> = {}): Promise<OrchestrationWorkItem> {
  const { orchestrations } = await store.claim(orchestrationClaim(workerId, now, overrides));
  expect(orchestrations.map((item) => item.instanceId)).toEqual([instanceId]);
  return orchestrations[0]!;
}

/** Claims activity tasks and expects exactly `count` of them. */
export async function claimTasks(store: Store, workerId: string, now: number, count: number, overrides: Partial<WorkClaim["activities"]> = {}): Promise<ActivityWorkItem[]> {
  const { activities } = await store.claim(activityClaim(workerId, now, overrides));
  expect(activities).toHaveLength(count);
  return activities;
}

export async function commitOne(store: Store, op: CommitOp, now: number): Promise<CommitOutcome> {
  const { outcomes } = await store.commit([op], now);
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

/** Creates the instance at `now` and commits its first episode (Running, with these commands). */
export async function startRunning(store: Store, instanceId: string, now: number, spec: EpisodeSpec = {}): Promise<void> {
  await store.createInstance(createRequest(instanceId), now);
  const item = await claimInstance(store, instanceId, `starter-${instanceId}`, now);
  expect(await commitOne(store, episodeOp(item, now, { runtimeStatus: "Running", ...spec }), now)).toBe("ok");
}

/** Wakes a running instance with an event and commits an episode that finishes it. */
export async function finish(store: Store, instanceId: string, now: number, spec: EpisodeSpec = { runtimeStatus: "Completed", output: '"done"' }): Promise<void> {
  await store.sendMessage(instanceId, eventMessage("finish"), now);
  const item = await claimInstance(store, instanceId, `finisher-${instanceId}`, now);
  expect(await commitOne(store, episodeOp(item, now, spec), now)).toBe("ok");
}
