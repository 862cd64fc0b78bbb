/** What a metrics scrape reads: ready work per queue and function, instances per status. */
import { describe, expect, it } from "vitest";
import { activityRetry, at, claimInstance, claimTasks, commitOne, createRequest, eventMessage, finish, scheduleTask, startRunning } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

const NONE = { Pending: 0, Running: 0, Suspended: 0, Completed: 0, Failed: 0, Terminated: 0 };

describe.each(STORE_FACTORIES)("store conformance ($name): workload", (factory) => {
  const s = useStore(factory);

  it("an empty store has no ready work and no instance in any status", async () => {
    expect(await s.store.readyWork(at(0))).toEqual([]);
    expect(await s.store.countInstances()).toEqual(NONE);
  });

  it("lists instances with a visible message per orchestration name, with the oldest visibleAt", async () => {
    await s.store.createInstance(createRequest("a"), at(10));
    await s.store.createInstance(createRequest("b"), at(20));
    await s.store.createInstance(createRequest("c", { name: "Other" }), at(30));
    await s.store.createInstance(createRequest("later", { startAt: at(1000) }), at(30));
    const ready = await s.store.readyWork(at(100));
    expect(ready.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { queue: "orchestration", name: "Orch", items: 2, oldestVisibleAt: at(10) },
      { queue: "orchestration", name: "Other", items: 1, oldestVisibleAt: at(30) },
    ]);
  });

  it("does not count an instance while it is leased, nor messages not yet visible", async () => {
    await startRunning(s.store, "a", at(0));
    await s.store.sendMessage("a", eventMessage("e"), at(5));
    expect(await s.store.readyWork(at(6))).toEqual([{ queue: "orchestration", name: "Orch", items: 1, oldestVisibleAt: at(5) }]);
    await claimInstance(s.store, "a", "w1", at(6));
    expect(await s.store.readyWork(at(7))).toEqual([]);
  });

  it("lists visible, unleased activity tasks per name; a retry counts again once its backoff passes", async () => {
    await startRunning(s.store, "a", at(0), { commands: [scheduleTask(1), scheduleTask(2)] });
    expect(await s.store.readyWork(at(1))).toEqual([{ queue: "activity", name: "Act", items: 2, oldestVisibleAt: at(0) }]);
    const [task] = await claimTasks(s.store, "w1", at(2), 1, { limit: 1 });
    expect(await s.store.readyWork(at(3))).toEqual([{ queue: "activity", name: "Act", items: 1, oldestVisibleAt: at(0) }]);
    expect(await commitOne(s.store, activityRetry(task!, at(500)), at(4))).toBe("ok");
    expect((await s.store.readyWork(at(5)))[0]?.items).toBe(1);
    expect((await s.store.readyWork(at(500)))[0]?.items).toBe(2);
  });

  it("counts instances per status, following them as they finish, are purged and restarted", async () => {
    await s.store.createInstance(createRequest("p", { startAt: at(100_000) }), at(0)); // not claimed by the starts below
    await startRunning(s.store, "r", at(0));
    await startRunning(s.store, "c", at(0));
    await finish(s.store, "c", at(1));
    await startRunning(s.store, "f", at(0));
    await finish(s.store, "f", at(1), { runtimeStatus: "Failed", failure: { code: "X", name: "Error", message: "no" } });
    await startRunning(s.store, "c2", at(0));
    await finish(s.store, "c2", at(1));
    expect(await s.store.countInstances()).toEqual({ ...NONE, Pending: 1, Running: 1, Completed: 2, Failed: 1 });
    // Read twice: a store that folds its counts as it reads them keeps them right.
    expect(await s.store.countInstances()).toEqual({ ...NONE, Pending: 1, Running: 1, Completed: 2, Failed: 1 });

    expect(await s.store.purgeInstance("c")).toBe(true);
    await s.store.restartInstance("f", "f-exec-2", at(2));
    expect(await s.store.countInstances()).toEqual({ ...NONE, Pending: 2, Running: 1, Completed: 1 });
    await s.store.createInstance(createRequest("c2", { executionId: "c2-exec-2", reuseFinished: true }), at(3));
    expect(await s.store.countInstances()).toEqual({ ...NONE, Pending: 3, Running: 1 });
  });
});
