/**
 * What an instance waits on, read by getStatus: its activity tasks (attempt, last error, next
 * attempt, running or not), queued timers, the event names its last episode recorded, and its
 * live children; nothing once it ended. And a success after retries tells its history so.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../../../src/engine/command.js";
import { MAX_FAILURE_SUMMARY_CHARS } from "../../../src/engine/history-event.js";
import {
  activityCompleted,
  activityRetry,
  at,
  claimInstance,
  claimTasks,
  commitOne,
  createTimer,
  episodeOp,
  eventMessage,
  finish,
  LEASE_MS,
  scheduleTask,
  startRunning,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

/** A retry in backoff, as the engine reports it: the call waits on timer 4 for its second attempt. */
const backoff = { timerSeq: 4, name: "Act", seq: 0, attempt: 2, lastFailure: { name: "Error", message: "first attempt failed" } };

const startChild = (seq: number, instanceId: string): Command => ({ type: "StartSubOrchestration", seq, name: "Child", instanceId });

describe.each(STORE_FACTORIES)("store conformance ($name): pending work", (factory) => {
  const s = useStore(factory);

  it("shows tasks, timers by fire time, what the engine awaits and live children; null once ended or missing", async () => {
    await startRunning(s.store, "a", at(0), {
      commands: [scheduleTask(1), scheduleTask(2), createTimer(3, at(9000)), createTimer(4, at(5000)), startChild(5, "a-child")],
      awaiting: { events: ["approve", "cancel"], retries: [backoff] },
    });
    expect(await s.store.pendingWork("a", at(1), 100)).toEqual({
      tasks: [
        { seq: 1, name: "Act", attempt: 1, visibleAt: at(0), running: false, lastError: undefined },
        { seq: 2, name: "Act", attempt: 1, visibleAt: at(0), running: false, lastError: undefined },
      ],
      timers: [
        { seq: 4, fireAt: at(5000) },
        { seq: 3, fireAt: at(9000) },
      ],
      awaiting: { events: ["approve", "cancel"], retries: [backoff] },
      children: [{ instanceId: "a-child", name: "Child", runtimeStatus: "Pending" }],
      truncated: false,
    });

    const [first, second] = await claimTasks(s.store, "w1", at(2), 2);
    expect(await commitOne(s.store, activityRetry(first!, at(700)), at(3))).toBe("ok");
    const retried = await s.store.pendingWork("a", at(4), 100);
    expect(retried!.tasks).toEqual([
      { seq: 1, name: "Act", attempt: 2, visibleAt: at(700), running: false, lastError: { name: "Error", message: "attempt 1 failed" } },
      { seq: 2, name: "Act", attempt: 1, visibleAt: at(0), running: true, lastError: undefined },
    ]);
    // A lease that ran out (its worker died) leaves the task waiting, not running.
    expect((await s.store.pendingWork("a", at(LEASE_MS + 10), 100))!.tasks[1]).toMatchObject({ seq: 2, running: false });
    expect(second!.seq).toBe(2);

    await finish(s.store, "a", at(LEASE_MS + 20));
    expect(await s.store.pendingWork("a", at(LEASE_MS + 21), 100)).toBeNull();
    expect(await s.store.pendingWork("missing", at(0), 100)).toBeNull();
  });

  it("what each episode awaits replaces what the last one did; an episode awaiting nothing clears it", async () => {
    await startRunning(s.store, "a", at(0), { awaiting: { events: ["first"] } });
    await s.store.sendMessage("a", eventMessage("first"), at(1));
    let item = await claimInstance(s.store, "a", "o1", at(2));
    expect(await commitOne(s.store, episodeOp(item, at(2), { awaiting: { events: ["second"] } }), at(2))).toBe("ok");
    expect((await s.store.pendingWork("a", at(3), 100))!.awaiting).toEqual({ events: ["second"] });

    await s.store.sendMessage("a", eventMessage("second"), at(4));
    item = await claimInstance(s.store, "a", "o1", at(5));
    expect(await commitOne(s.store, episodeOp(item, at(5)), at(5))).toBe("ok");
    expect((await s.store.pendingWork("a", at(6), 100))!.awaiting).toEqual({});
  });

  it("cuts each list at the limit and says so", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1), scheduleTask(2), scheduleTask(3), createTimer(4, at(10))] });
    const pending = await s.store.pendingWork("a", at(1), 2);
    expect(pending!.tasks.map((task) => task.seq)).toEqual([1, 2]);
    expect(pending!.timers).toEqual([{ seq: 4, fireAt: at(10) }]);
    expect(pending!.truncated).toBe(true);
    expect((await s.store.pendingWork("a", at(1), 3))!.truncated).toBe(false);
  });

  it("a success after a failed attempt queues TaskCompleted with the attempts and the last failure (no stack)", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1)] });
    const [first] = await claimTasks(s.store, "w1", at(1), 1);
    const withStack = { ...activityRetry(first!, at(10)), error: { name: "TypeError", message: "flaky", stack: "TypeError: flaky\n    at x" } };
    expect(await commitOne(s.store, withStack, at(2))).toBe("ok");
    const [second] = await claimTasks(s.store, "w1", at(10), 1);
    expect(second!.attempt).toBe(2);
    expect(await commitOne(s.store, activityCompleted(second!, '"ok"'), at(11))).toBe("ok");
    const item = await claimInstance(s.store, "a", "o1", at(12));
    expect(item.messages.map((m) => m.message)).toEqual([
      { type: "TaskCompleted", seq: 1, output: '"ok"', attempts: 2, lastFailure: { name: "TypeError", message: "flaky" } },
    ]);
  });

  it("a long last failure is cut in the TaskCompleted: the history stays compact", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1)] });
    const [first] = await claimTasks(s.store, "w1", at(1), 1);
    const longFailure = { type: "activityRetry" as const, task: first!, visibleAt: at(10), error: { name: "Error", message: "x".repeat(5000) } };
    expect(await commitOne(s.store, longFailure, at(2))).toBe("ok");
    const [second] = await claimTasks(s.store, "w1", at(10), 1);
    expect(await commitOne(s.store, activityCompleted(second!, '"ok"'), at(11))).toBe("ok");
    const [stored] = (await claimInstance(s.store, "a", "o1", at(12))).messages;
    const lastFailure = (stored!.message as { lastFailure: { message: string } }).lastFailure;
    expect(lastFailure.message).toHaveLength(MAX_FAILURE_SUMMARY_CHARS);
    expect(lastFailure.message.endsWith("…")).toBe(true);
  });
});
