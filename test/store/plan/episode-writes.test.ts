import { describe, expect, it } from "vitest";
import { episodeWrites } from "../../../src/store/plan/episode-writes.js";
import { episodeOp, task } from "./episode-op.js";

const NOW = 1_000_000;
const clock = (): number => NOW - 60_000; // behind the caller's now: leases count from now

describe("episodeWrites", () => {
  it("turns each scheduled task into a row of the instance's execution, visible now at the earliest, retry serialized", () => {
    const retry = { maxAttempts: 3, firstRetryIntervalMs: 10, backoffCoefficient: 2, maxRetryIntervalMs: 100, retryTimeoutMs: 1000 };
    const writes = episodeWrites(episodeOp([task(0, { visibleAt: NOW - 5 }), task(1, { visibleAt: NOW + 5, retry: retry as never, timeoutMs: 7 })]), NOW, clock);
    expect(writes.tasks).toEqual([
      { instanceId: "parent", executionId: "exec-1", seq: 0, name: "Act", input: '"in-0"', attempt: 1, idempotencyKey: "key-0", retry: null, visibleAt: NOW, lease: undefined, timeoutMs: undefined },
      { instanceId: "parent", executionId: "exec-1", seq: 1, name: "Act", input: '"in-1"', attempt: 1, idempotencyKey: "key-1", retry: JSON.stringify(retry), visibleAt: NOW + 5, lease: undefined, timeoutMs: 7 },
    ]);
    expect(writes.queuesWork).toBe(true);
  });

  it("leases a task whose first attempt already runs in the worker, from the lease's start", () => {
    const runningTasks = [{ seq: 0, leaseOwner: "w1", leaseToken: "t0", leaseMs: 5000 }];
    const writes = episodeWrites(episodeOp([task(0)], {}, { runningTasks }), NOW, clock);
    expect(writes.tasks[0]!.lease).toEqual({ owner: "w1", token: "t0", expiresAt: NOW + 5000 });
    const late = episodeWrites(episodeOp([task(0)], {}, { runningTasks }), NOW, () => NOW + 7);
    expect(late.tasks[0]!.lease?.expiresAt).toBe(NOW + 7 + 5000);
    expect(writes.queuesWork).toBe(false);
  });

  it("queues timers, drops one created and cancelled in the same episode, and cancels the earlier ones", () => {
    const writes = episodeWrites(
      episodeOp([
        { type: "CreateTimer", seq: 3, fireAt: NOW + 10 },
        { type: "CreateTimer", seq: 4, fireAt: NOW + 20 },
        { type: "CancelTimer", seq: 4 },
        { type: "CancelTimer", seq: 1 },
      ]),
      NOW,
      clock,
    );
    expect(writes.timers).toEqual([{ type: "CreateTimer", seq: 3, fireAt: NOW + 10 }]);
    expect(writes.cancelledTimers).toEqual([1]);
  });

  it("carries out only the children's starts of an episode that ends its execution, and nothing of a termination", () => {
    const commands = [task(0), { type: "StartSubOrchestration" as const, seq: 1, name: "Child", instanceId: "c1" }, { type: "CreateTimer" as const, seq: 2, fireAt: NOW }];
    const completed = episodeWrites(episodeOp(commands, { runtimeStatus: "Completed" }), NOW, clock);
    expect(completed).toMatchObject({ tasks: [], timers: [], cancelledTimers: [], queuesWork: true });
    expect(completed.children.map((child) => child.instanceId)).toEqual(["c1"]);
    const terminated = episodeWrites(episodeOp(commands, { runtimeStatus: "Terminated" }), NOW, clock);
    expect(terminated).toEqual({ tasks: [], timers: [], cancelledTimers: [], children: [], queuesWork: false });
  });
});
