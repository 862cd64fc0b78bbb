/** Activity tasks: scheduled by an episode, claimed, completed, retried, capped by concurrency. */
import { describe, expect, it } from "vitest";
import {
  activityClaim,
  activityCompleted,
  activityRetry,
  at,
  claimInstance,
  claimTasks,
  commitOne,
  finish,
  LEASE_MS,
  orchestrationClaim,
  scheduleTask,
  startRunning,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): activity tasks", (factory) => {
  const s = useStore(factory);

  it("a ScheduleTask command creates a task that an activity claim for its name takes", async () => {
    const retry = { maxAttempts: 3, firstRetryIntervalMs: 100, backoffCoefficient: 2, maxRetryIntervalMs: null, retryTimeoutMs: 5000 };
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1, { input: '"x"', idempotencyKey: "k1", retry, timeoutMs: 250 })] });

    expect((await s.store.claim(activityClaim("w1", at(1), { names: ["Other"] }))).activities).toEqual([]);
    const [task] = await claimTasks(s.store, "w1", at(1), 1, { names: ["Other", "Act"] });
    expect(task).toMatchObject({
      instanceId: "a",
      executionId: "a-exec-1",
      seq: 1,
      name: "Act",
      input: '"x"',
      attempt: 1,
      idempotencyKey: "k1",
      retry,
      firstVisibleAt: at(0),
      timeoutMs: 250,
    });
    expect(typeof task!.leaseToken).toBe("string");
    // Leased: nobody else takes it before the lease expires.
    expect((await s.store.claim(activityClaim("w2", at(LEASE_MS - 1)))).activities).toEqual([]);
    const [again] = await claimTasks(s.store, "w2", at(LEASE_MS + 1), 1);
    expect(again!.leaseToken).not.toBe(task!.leaseToken);
    expect(again).toMatchObject({ seq: 1, attempt: 1, idempotencyKey: "k1" });
  });

  it("activityCompleted deletes the task and queues TaskCompleted for the instance", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1)] });
    const [task] = await claimTasks(s.store, "w1", at(1), 1);
    expect((await s.store.claim(orchestrationClaim("o1", at(1)))).orchestrations).toEqual([]);

    expect(await commitOne(s.store, activityCompleted(task!, '"result"'), at(2))).toBe("ok");
    // The task is gone, even once its lease would have expired.
    expect((await s.store.claim(activityClaim("w2", at(LEASE_MS + 10)))).activities).toEqual([]);
    const item = await claimInstance(s.store, "a", "o1", at(LEASE_MS + 10));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TaskCompleted", seq: 1, output: '"result"' }]);
  });

  it("activityFailed deletes the task and queues TaskFailed with the attempt count", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1, { attempt: 2 })] });
    const [task] = await claimTasks(s.store, "w1", at(1), 1);
    const error = { name: "Error", message: "boom" };
    expect(await commitOne(s.store, { type: "activityFailed", task: task!, error }, at(2))).toBe("ok");
    expect((await s.store.claim(activityClaim("w2", at(LEASE_MS + 10)))).activities).toEqual([]);
    const item = await claimInstance(s.store, "a", "o1", at(3));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TaskFailed", seq: 1, error, attempts: 2 }]);
  });

  it("a result under a lost task lease is leaseLost and queues nothing", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1)] });
    const [stale] = await claimTasks(s.store, "w1", at(1), 1);
    const [current] = await claimTasks(s.store, "w2", at(LEASE_MS + 2), 1);

    expect(await commitOne(s.store, activityCompleted(stale!, '"late"'), at(LEASE_MS + 3))).toBe("leaseLost");
    expect(await commitOne(s.store, activityRetry(stale!, at(LEASE_MS + 4)), at(LEASE_MS + 3))).toBe("leaseLost");
    expect(await commitOne(s.store, { type: "releaseActivity", task: stale! }, at(LEASE_MS + 3))).toBe("leaseLost");
    expect((await s.store.claim(orchestrationClaim("o1", at(LEASE_MS + 3)))).orchestrations).toEqual([]);
    // The current holder's lease is untouched.
    expect((await s.store.claim(activityClaim("w3", at(LEASE_MS + 5)))).activities).toEqual([]);
    expect(await commitOne(s.store, activityCompleted(current!, '"fresh"'), at(LEASE_MS + 6))).toBe("ok");
    const item = await claimInstance(s.store, "a", "o1", at(LEASE_MS + 7));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TaskCompleted", seq: 1, output: '"fresh"' }]);
  });

  it("activityRetry bumps the attempt and hides the task until visibleAt", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1, { idempotencyKey: "k1" })] });
    const [first] = await claimTasks(s.store, "w1", at(1), 1);
    expect(await commitOne(s.store, activityRetry(first!, at(5000)), at(2))).toBe("ok");

    expect((await s.store.claim(activityClaim("w2", at(4999)))).activities).toEqual([]);
    expect(await s.store.nextVisibleAt([], ["Act"], at(3))).toBe(at(5000));
    const [second] = await claimTasks(s.store, "w2", at(5000), 1);
    expect(second).toMatchObject({ seq: 1, attempt: 2, idempotencyKey: "k1", firstVisibleAt: at(0) });
    expect(second!.leaseToken).not.toBe(first!.leaseToken);
    // No message for the instance: retries are not results.
    expect((await s.store.claim(orchestrationClaim("o1", at(5000)))).orchestrations).toEqual([]);
  });

  it("releaseActivity makes the task claimable at once with the same attempt", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1)] });
    const [task] = await claimTasks(s.store, "w1", at(1), 1);
    expect(await commitOne(s.store, { type: "releaseActivity", task: task! }, at(2))).toBe("ok");
    const [again] = await claimTasks(s.store, "w2", at(3), 1);
    expect(again).toMatchObject({ seq: 1, attempt: 1 });
  });

  it("concurrency caps the running attempts of a name across workers", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1), scheduleTask(2), scheduleTask(3)] });
    const cap = { concurrency: { Act: 2 } };

    const w1 = await claimTasks(s.store, "w1", at(1), 2, cap);
    expect((await s.store.claim(activityClaim("w2", at(2), cap))).activities).toEqual([]);
    expect(await commitOne(s.store, activityCompleted(w1[0]!), at(3))).toBe("ok");
    const w2 = await claimTasks(s.store, "w2", at(4), 1, cap);
    expect(new Set([...w1, ...w2].map((t) => t.seq))).toEqual(new Set([1, 2, 3]));
  });

  it("the claim limit caps the tasks of one claim", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1), scheduleTask(2), scheduleTask(3)] });
    await claimTasks(s.store, "w1", at(1), 2, { limit: 2 });
    await claimTasks(s.store, "w2", at(1), 1, { limit: 2 });
  });

  it("queued tasks of a finished instance are not claimed; renewLeases reports leased ones as ended", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1), scheduleTask(2)] });
    const [leased] = await claimTasks(s.store, "w1", at(1), 1, { limit: 1 });
    await startRunning(s.store, "b", at(1), { commands: [scheduleTask(1, { name: "Other" })] });
    const [live] = await claimTasks(s.store, "w1", at(2), 1, { names: ["Other"] });
    expect(live!.instanceId).toBe("b");

    expect((await s.store.renewLeases([], [leased!.leaseToken, live!.leaseToken], at(3), LEASE_MS)).endedTaskTokens).toEqual([]);
    await finish(s.store, "a", at(4));

    const { endedTaskTokens } = await s.store.renewLeases([], [leased!.leaseToken, live!.leaseToken], at(5), LEASE_MS);
    expect(endedTaskTokens).toEqual([leased!.leaseToken]);
    // a's other task was queued, not running, and its leased one expires: neither runs again.
    const later = await s.store.claim(activityClaim("w2", at(3 * LEASE_MS), { names: ["Act", "Other"] }));
    expect(later.activities.map((t) => t.instanceId)).toEqual(["b"]);
  });
});
