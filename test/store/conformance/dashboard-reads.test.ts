/** The dashboard's reads: live workers, a page of a history, counts per status with a cap, recent changes. */
import { describe, expect, it } from "vitest";
import { at, claimInstance, commitOne, createRequest, episodeOp, eventMessage, finish, scheduleTask, startRunning } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

/** Instances created to wait: not claimable during the test, so claims find only the running ones. */
const LATER = at(3_600_000);

describe.each(STORE_FACTORIES)("store conformance ($name): dashboard reads", (factory) => {
  const s = useStore(factory);

  it("liveWorkers lists the workers whose heartbeat is younger than their lease, with what they host", async () => {
    await s.store.workerAlive("w-b", { activities: ["Act"], orchestrations: ["Orch"] }, 1000, at(0));
    await s.store.workerAlive("w-a", { activities: [], orchestrations: ["Orch"] }, 5000, at(0));
    expect(await s.store.liveWorkers(at(500))).toEqual([
      { workerId: "w-a", activities: [], orchestrations: ["Orch"], heartbeatAt: at(0), leaseMs: 5000 },
      { workerId: "w-b", activities: ["Act"], orchestrations: ["Orch"], heartbeatAt: at(0), leaseMs: 1000 },
    ]);
    expect((await s.store.liveWorkers(at(2000))).map((w) => w.workerId)).toEqual(["w-a"]);
    await s.store.workerStopped("w-a");
    expect(await s.store.liveWorkers(at(2000))).toEqual([]);
  });

  it("historyRange reads any window of positions across segments, with the history's length", async () => {
    // Three episodes, three segments: [0..3] start, [4..] event + 2 tasks, then an event + 1 task.
    await startRunning(s.store, "h", at(0), { commands: [scheduleTask(0)] });
    for (const [i, tasks] of [[1, 2], [3, 1]] as const) {
      await s.store.sendMessage("h", eventMessage(`e${i}`), at(i));
      const item = await claimInstance(s.store, "h", "w", at(i));
      const commands = Array.from({ length: tasks }, (_, k) => scheduleTask(i + k));
      expect(await commitOne(s.store, episodeOp(item, at(i), { commands }), at(i))).toBe("ok");
    }
    const whole = await s.store.getHistory("h");
    expect(whole.length).toBeGreaterThan(8);
    for (const [from, limit] of [[0, 3], [2, 4], [3, 100], [whole.length - 1, 5], [whole.length, 5], [0, whole.length]] as [number, number][]) {
      expect(await s.store.historyRange("h", from, limit)).toEqual({ events: whole.slice(from, from + limit), total: whole.length });
    }
    expect(await s.store.historyRange("missing", 0, 10)).toBeNull();
    await s.store.createInstance(createRequest("fresh"), at(0));
    expect(await s.store.historyRange("fresh", 0, 10)).toEqual({ events: [], total: 0 });
  });

  it("countInstancesWhere counts per status under the filter, each count stopping at the cap", async () => {
    for (const id of ["r1", "r2"]) await startRunning(s.store, id, at(1));
    for (const id of ["a1", "a2", "a3", "b1"]) await s.store.createInstance(createRequest(id, { startAt: LATER }), at(0));
    await finish(s.store, "r2", at(2));
    const none = { Pending: 0, Running: 0, Suspended: 0, Completed: 0, Failed: 0, Terminated: 0, ContinuedAsNew: 0 };
    expect(await s.store.countInstancesWhere({}, 100)).toEqual({ ...none, Pending: 4, Running: 1, Completed: 1 });
    expect(await s.store.countInstancesWhere({}, 2)).toEqual({ ...none, Pending: 2, Running: 1, Completed: 1 });
    expect(await s.store.countInstancesWhere({ instanceIdPrefix: "a" }, 10)).toEqual({ ...none, Pending: 3 });
    expect(await s.store.countInstancesWhere({ runtimeStatus: ["Running", "Completed"] }, 10)).toEqual({ ...none, Running: 1, Completed: 1 });
    expect(await s.store.countInstancesWhere({ name: "Other" }, 10)).toEqual(none);
    expect(await s.store.countInstancesWhere({ createdFrom: at(1) }, 100)).toEqual({ ...none, Running: 1, Completed: 1 });
  });

  it("an id prefix matches ids that begin with it byte for byte, whatever the collation would say", async () => {
    // Neighbours under a linguistic collation (case, accents, punctuation) that do not share the prefix.
    const matching = ["ab", "ab-1", "abc", "ab\u00e9", "ab\u{1F600}", "ab\uFFFD"];
    const others = ["aB", "Ab", "a", "a-b", "\u00e4b", "aa\u{10FFFF}", "ac", "b"];
    for (const id of [...matching, ...others]) await s.store.createInstance(createRequest(id, { startAt: LATER }), at(0));
    const listed = await s.store.listInstances({ instanceIdPrefix: "ab", pageSize: 100 });
    expect(listed.instances.map((instance) => instance.instanceId).sort()).toEqual([...matching].sort());
    const none = { Pending: 0, Running: 0, Suspended: 0, Completed: 0, Failed: 0, Terminated: 0, ContinuedAsNew: 0 };
    expect(await s.store.countInstancesWhere({ instanceIdPrefix: "ab" }, 100)).toEqual({ ...none, Pending: matching.length });
    expect(await s.store.countInstancesWhere({ instanceIdPrefix: "ab\u00e9" }, 100)).toEqual({ ...none, Pending: 1 });
    expect(await s.store.countInstancesWhere({ instanceIdPrefix: "\u00e4" }, 100)).toEqual({ ...none, Pending: 1 });
  });

  it("changedSince lists instances changed at or after a time, the latest first, up to a limit", async () => {
    await startRunning(s.store, "new", at(20));
    await s.store.createInstance(createRequest("old", { startAt: LATER }), at(0));
    await s.store.createInstance(createRequest("mid", { startAt: LATER }), at(10));
    const change = (instanceId: string, runtimeStatus: string, createdAt: number, lastUpdatedAt: number) => ({ instanceId, name: "Orch", runtimeStatus, createdAt, lastUpdatedAt });
    expect(await s.store.changedSince(at(10), 10)).toEqual([change("new", "Running", at(20), at(20)), change("mid", "Pending", at(10), at(10))]);
    expect(await s.store.changedSince(at(0), 1)).toEqual([change("new", "Running", at(20), at(20))]);
    await s.store.sendMessage("new", { type: "Terminate" }, at(40));
    const item = await claimInstance(s.store, "new", "w", at(40));
    expect(await commitOne(s.store, episodeOp(item, at(40), { runtimeStatus: "Terminated" }), at(40))).toBe("ok");
    expect((await s.store.changedSince(at(35), 10)).map((c) => [c.instanceId, c.runtimeStatus, c.lastUpdatedAt])).toEqual([["new", "Terminated", at(40)]]);
  });
});
