/**
 * Instances of the crash-test orchestration: starting them, waiting for them, and checking
 * that each completed with the output its input implies and a history that holds every
 * step once.
 */
import { expect } from "vitest";
import type { BatonClient, HistoryEntry, InstanceStatus, RuntimeStatus } from "../../../src/index.js";
import { CALLS_PER_INSTANCE, expectedOutput, ORCHESTRATION_NAME, type ChainOutput } from "../fixtures/functions.js";

export interface Started {
  instanceId: string;
  input: number;
}

export async function startInstances(client: BatonClient, count: number, prefix = "crash"): Promise<Started[]> {
  const started: Started[] = [];
  for (let i = 0; i < count; i++) {
    const input = i * 1000;
    const instanceId = await client.startNew(ORCHESTRATION_NAME, { input, instanceId: `${prefix}-${i}` });
    started.push({ instanceId, input });
  }
  return started;
}

/**
 * Starts `count` instances at once (one turn of the event loop: the client commits them in
 * batches, not one transaction each), named and numbered as startInstances does.
 */
export async function startInstancesTogether(client: BatonClient, count: number, prefix = "crash"): Promise<Started[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const input = i * 1000;
      const instanceId = await client.startNew(ORCHESTRATION_NAME, { input, instanceId: `${prefix}-${i}` });
      return { instanceId, input };
    }),
  );
}

const FINISHED: RuntimeStatus[] = ["Completed", "Failed", "Terminated"];

/** A minute without one more instance finishing: the work has stalled, however busy the machine. */
export const STALL_MS = 60_000;

/**
 * Polls until every instance has finished (any terminal status); returns their statuses with
 * history. The deadline is on progress, not on the whole run (which takes as long as a busy
 * machine makes it): it fails once `stallMs` pass without one more instance finishing.
 * `pollMs` spaces the looks (each lists up to 1,000 instances) when there are many.
 */
export async function waitAllFinished(
  client: BatonClient,
  instances: readonly Started[],
  stallMs = STALL_MS,
  pollMs = 0,
): Promise<InstanceStatus<ChainOutput>[]> {
  let finished = 0;
  let progressAt = Date.now();
  for (;;) {
    const page = await client.list({ runtimeStatus: FINISHED, pageSize: 1000 });
    if (page.instances.length >= instances.length) break;
    if (page.instances.length > finished) [finished, progressAt] = [page.instances.length, Date.now()];
    if (Date.now() - progressAt > stallMs) {
      throw new Error(`Timed out waiting for ${instances.length} instances to finish: ${finished} finished, and none more in ${stallMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(pollMs, 10)));
  }
  return Promise.all(
    instances.map(async ({ instanceId }) => {
      const status = await client.getStatus<ChainOutput>(instanceId, { showHistory: true });
      expect(status, instanceId).not.toBeNull();
      expect(FINISHED, instanceId).toContain(status!.runtimeStatus);
      return status!;
    }),
  );
}

export async function countUnfinished(client: BatonClient): Promise<number> {
  const page = await client.list({ runtimeStatus: ["Pending", "Running"], pageSize: 1000 });
  return page.instances.length;
}

// ---- histories ----

/** Problems in one instance's history; [] when it is one clean run of the orchestration. */
export function historyProblems(history: readonly HistoryEntry[]): string[] {
  const problems: string[] = [];
  const seqs = (type: string): number[] => history.filter((e) => e.type === type).map((e) => e.seq as number);
  const duplicates = (values: number[]): number[] => values.filter((v, i) => values.indexOf(v) !== i);
  const scheduled = seqs("TaskScheduled");
  const completed = seqs("TaskCompleted");
  if (duplicates(scheduled).length) problems.push(`TaskScheduled seq twice: ${duplicates(scheduled).join(", ")}`);
  if (duplicates(completed).length) problems.push(`TaskCompleted seq twice: ${duplicates(completed).join(", ")}`);
  if (scheduled.length !== CALLS_PER_INSTANCE) problems.push(`${scheduled.length} TaskScheduled, expected ${CALLS_PER_INSTANCE}`);
  const unmatched = scheduled.filter((s) => !completed.includes(s)).concat(completed.filter((c) => !scheduled.includes(c)));
  if (unmatched.length) problems.push(`scheduled and completed seqs differ at ${unmatched.join(", ")}`);
  if (seqs("TaskFailed").length) problems.push("a TaskFailed event");
  const count = (type: string): number => history.filter((e) => e.type === type).length;
  if (count("ExecutionStarted") !== 1) problems.push(`${count("ExecutionStarted")} ExecutionStarted events`);
  if (count("ExecutionCompleted") !== 1) problems.push(`${count("ExecutionCompleted")} ExecutionCompleted events`);
  if (history[history.length - 1]?.type !== "ExecutionCompleted") problems.push(`last event is ${history[history.length - 1]?.type}`);
  return problems;
}

/** The idempotency keys of the activity calls an instance made, from its history. */
export function callKeys(status: InstanceStatus): string[] {
  const history = status.history ?? [];
  const started = history.find((e) => e.type === "ExecutionStarted");
  const executionId = started?.executionId as string;
  return history.filter((e) => e.type === "TaskScheduled").map((e) => `${status.instanceId}:${executionId}:${e.seq as number}`);
}

/**
 * Asserts that every instance completed with its expected output and a clean history.
 * Returns the idempotency keys of all activity calls the histories record.
 */
export function expectAllCompleted(statuses: readonly InstanceStatus<ChainOutput>[], instances: readonly Started[]): string[] {
  const wrong: string[] = [];
  statuses.forEach((status, i) => {
    const { instanceId, input } = instances[i]!;
    if (status.runtimeStatus !== "Completed") {
      wrong.push(`${instanceId}: ${status.runtimeStatus} ${JSON.stringify(status.failureDetails ?? status.stalled ?? null)}`);
      return;
    }
    if (JSON.stringify(status.output) !== JSON.stringify(expectedOutput(input))) {
      wrong.push(`${instanceId}: output ${JSON.stringify(status.output)}, expected ${JSON.stringify(expectedOutput(input))}`);
    }
    for (const problem of historyProblems(status.history ?? [])) wrong.push(`${instanceId}: ${problem}`);
  });
  expect(wrong).toEqual([]);
  return statuses.flatMap(callKeys);
}

