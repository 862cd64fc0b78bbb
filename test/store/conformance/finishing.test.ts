/** Finishing an instance, and purging finished ones. */
import { describe, expect, it } from "vitest";
import { InstanceNotFinishedError } from "../../../src/errors.js";
import {
  at,
  claimInstance,
  claimTasks,
  commitOne,
  createRequest,
  createTimer,
  episodeOp,
  eventMessage,
  finish,
  LEASE_MS,
  ORCH,
  orchestrationClaim,
  scheduleTask,
  startRunning,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): finishing and purging", (factory) => {
  const s = useStore(factory);

  it("a child's end committed alone, with no claim (one statement where a store can), still reaches its parent", async () => {
    await startRunning(s.store, "parent", at(0), { commands: [{ type: "StartSubOrchestration", seq: 1, name: ORCH, instanceId: "child", input: '"in"' }] });
    const child = await claimInstance(s.store, "child", "w1", at(1));
    expect(await commitOne(s.store, episodeOp(child, at(2), { runtimeStatus: "Completed", output: '"out"' }), at(2))).toBe("ok");
    expect(await s.store.getInstance("child")).toMatchObject({ runtimeStatus: "Completed", output: '"out"' });
    const parent = await claimInstance(s.store, "parent", "w1", at(3));
    expect(parent.messages.map((m) => m.message)).toEqual([{ type: "SubOrchestrationCompleted", seq: 1, output: '"out"' }]);
  });

  it("a Completed episode stores the output and status and appends its events", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    const op = episodeOp(item, at(7), { runtimeStatus: "Completed", output: '{"ok":true}' });
    expect(await commitOne(s.store, op, at(7))).toBe("ok");
    expect(await s.store.getInstance("a")).toMatchObject({
      runtimeStatus: "Completed",
      output: '{"ok":true}',
      failure: undefined,
      historyLength: 3,
      lastUpdatedAt: at(7),
    });
    expect(await s.store.getHistory("a")).toEqual(op.type === "episode" ? op.result.newEvents : []);
    expect((await s.store.getHistory("a")).at(-1)).toMatchObject({ type: "ExecutionCompleted", output: '{"ok":true}' });
  });

  it("a Failed episode stores the failure", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    const failure = { name: "TypeError", message: "bad", code: "ORCHESTRATION_FAILED" };
    expect(await commitOne(s.store, episodeOp(item, at(1), { runtimeStatus: "Failed", failure }), at(1))).toBe("ok");
    expect(await s.store.getInstance("a")).toMatchObject({ runtimeStatus: "Failed", failure, output: undefined });
  });

  it("finishing deletes the whole inbox and the queued tasks, consumed or not", async () => {
    await startRunning(s.store, "a", at(0), {
      commands: [createTimer(1, at(5000)), scheduleTask(2, { visibleAt: at(6000) })],
    });
    await s.store.sendMessage("a", eventMessage("e1"), at(10));
    const item = await claimInstance(s.store, "a", "w1", at(20));
    // Arrives after the claim: not consumed by the finishing episode.
    await s.store.sendMessage("a", eventMessage("e2"), at(30));
    expect(await s.store.nextVisibleAt(["Orch"], ["Act"], at(40))).toBe(at(5000));

    expect(await commitOne(s.store, episodeOp(item, at(50), { runtimeStatus: "Completed" }), at(50))).toBe("ok");
    expect(await s.store.nextVisibleAt(["Orch"], [], at(40))).toBeNull();
    expect(await s.store.nextVisibleAt([], ["Act"], at(40))).toBeNull();
    // Not even a reused id sees the old inbox: the new execution gets its start message only.
    await s.store.createInstance(createRequest("a", { executionId: "second", reuseFinished: true }), at(60));
    const next = await claimInstance(s.store, "a", "w1", at(10_000));
    expect(next.messages.map((m) => m.message.type)).toEqual(["ExecutionStarted"]);
  });

  it("tasks left leased on an ended instance are deleted once their lease has expired, and only those", async () => {
    await startRunning(s.store, "ended", at(0), { commands: [scheduleTask(0), scheduleTask(1), scheduleTask(2)] });
    await startRunning(s.store, "live", at(0), { commands: [scheduleTask(0)] });
    const leased = await claimTasks(s.store, "w1", at(10), 4); // then w1 dies: nobody renews or finishes them
    expect(leased.map((t) => t.instanceId).sort()).toEqual(["ended", "ended", "ended", "live"]);
    const leaseEnd = at(10) + LEASE_MS;
    await finish(s.store, "ended", at(20));

    expect(await s.store.deleteOrphanedTasks(at(20), 100)).toBe(0); // still leased: its worker may yet report
    expect(await s.store.deleteOrphanedTasks(leaseEnd, 2)).toBe(2); // at most `limit`
    expect(await s.store.deleteOrphanedTasks(leaseEnd, 100)).toBe(1);
    expect(await s.store.deleteOrphanedTasks(leaseEnd + 1, 100)).toBe(0);
    // The live instance's task is claimed again, as any task whose lease expired.
    const again = await claimTasks(s.store, "w2", leaseEnd, 1);
    expect(again.map((t) => [t.instanceId, t.seq])).toEqual([["live", 0]]);
  });

  it("purgeInstance refuses an unfinished instance and changes nothing", async () => {
    await startRunning(s.store, "a", at(0));
    const before = await s.store.getInstance("a");
    const history = await s.store.getHistory("a");
    await expect(s.store.purgeInstance("a")).rejects.toBeInstanceOf(InstanceNotFinishedError);
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toEqual(history);
    // A Pending one is not finished either.
    await s.store.createInstance(createRequest("p"), at(1));
    await expect(s.store.purgeInstance("p")).rejects.toBeInstanceOf(InstanceNotFinishedError);
  });

  it("purgeInstance deletes a finished instance with its history; false when there is none", async () => {
    await startRunning(s.store, "a", at(0));
    await finish(s.store, "a", at(10));
    expect((await s.store.getHistory("a")).length).toBeGreaterThan(0);

    expect(await s.store.purgeInstance("a")).toBe(true);
    expect(await s.store.getInstance("a")).toBeNull();
    expect(await s.store.getHistory("a")).toEqual([]);
    expect((await s.store.runtimeStatuses(["a"])).size).toBe(0);
    expect(await s.store.purgeInstance("a")).toBe(false);
    expect(await s.store.purgeInstance("never")).toBe(false);
    // The id is free again.
    await s.store.createInstance(createRequest("a"), at(20));
    expect(await s.store.getInstance("a")).toMatchObject({ runtimeStatus: "Pending", historyLength: 0 });
  });

  it("purgeInstances deletes at most `limit` finished instances matching the filter", async () => {
    for (const id of ["p-1", "p-2", "p-3", "q-1"]) {
      await startRunning(s.store, id, at(0));
      await finish(s.store, id, at(1));
    }
    await startRunning(s.store, "p-running", at(2));

    expect(await s.store.purgeInstances({ instanceIdPrefix: "p-" }, 2)).toBe(2);
    const left = await s.store.runtimeStatuses(["p-1", "p-2", "p-3", "q-1", "p-running"]);
    expect([...left.keys()].filter((id) => /^p-\d$/.test(id))).toHaveLength(1);
    expect(left.get("q-1")).toBe("Completed");
    expect(left.get("p-running")).toBe("Running");

    expect(await s.store.purgeInstances({ instanceIdPrefix: "p-" }, 2)).toBe(1);
    expect(await s.store.purgeInstances({ instanceIdPrefix: "p-" }, 2)).toBe(0);
    for (const id of ["p-1", "p-2", "p-3"]) expect(await s.store.getHistory(id)).toEqual([]);
    expect(Object.fromEntries(await s.store.runtimeStatuses(["p-1", "p-2", "p-3", "q-1", "p-running"]))).toEqual({
      "q-1": "Completed",
      "p-running": "Running",
    });
  });

  it("purgeInstances applies the status filter on top of finished-only", async () => {
    await startRunning(s.store, "c", at(0));
    await finish(s.store, "c", at(1));
    await startRunning(s.store, "f", at(2));
    await finish(s.store, "f", at(3), { runtimeStatus: "Failed", failure: { name: "Error", message: "x", code: "X" } });
    await startRunning(s.store, "r", at(4));

    expect(await s.store.purgeInstances({ runtimeStatus: ["Failed", "Running"] }, 10)).toBe(1);
    expect(Object.fromEntries(await s.store.runtimeStatuses(["c", "f", "r"]))).toEqual({ c: "Completed", r: "Running" });
    expect((await s.store.claim(orchestrationClaim("w", at(5)))).orchestrations).toEqual([]);
  });
});
