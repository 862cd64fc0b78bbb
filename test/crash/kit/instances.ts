/**
 * Instances of the crash-test orchestration: starting them, waiting for them, and checking
 * that each completed with the output its input implies and a history that holds every
 * step once.
 */
import { expect } from "vitest";
import type { BatonClient, HistoryEntry, InstanceStatus } from "../../../src/index.js";
import { waitUntil } from "../../helpers/wait.js";
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

const FINISHED = ["Completed", "Failed", "Terminated"];

/**
 * Polls until every instance has finished (any terminal status); returns their statuses with
 * history. `pollMs` spaces the looks (each lists up to 1,000 instances) when there are many.
 */
export async function waitAllFinished(
  client: BatonClient,
  instances: readonly Started[],
  timeoutMs: number,
  pollMs = 0,
): Promise<InstanceStatus<ChainOutput>[]> {
  await waitUntil(
    async () => {
      const page = await client.list({ runtimeStatus: ["Completed", "Failed", "Terminated"], pageSize: 1000 });
      if (page.instances.length >= instances.length) return true;
      if (pollMs > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
      return undefined;
    },
    `${instances.length} instances to finish`,
    timeoutMs,
  );
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

