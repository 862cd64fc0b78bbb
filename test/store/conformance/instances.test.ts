/** Instances: creation, reading, id conflicts and replacement of finished ones. */
import { describe, expect, it } from "vitest";
import { InstanceAlreadyExistsError } from "../../../src/errors.js";
import { at, claimInstance, createRequest, finish, startRunning } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): instances", (factory) => {
  const s = useStore(factory);

  it("createInstance stores a Pending instance that getInstance reads back", async () => {
    await s.store.createInstance(createRequest("a", { input: '{"x":1}', executionId: "exec-a" }), at(5));
    expect(await s.store.getInstance("a")).toEqual({
      instanceId: "a",
      name: "Orch",
      executionId: "exec-a",
      runtimeStatus: "Pending",
      input: '{"x":1}',
      output: undefined,
      customStatus: undefined,
      failure: undefined,
      createdAt: at(5),
      lastUpdatedAt: at(5),
      historyLength: 0,
      stalled: undefined,
    });
    expect(await s.store.getHistory("a")).toEqual([]);
    expect(await s.store.getInstance("missing")).toBeNull();
  });

  it("an instance without input reads back with input undefined", async () => {
    await s.store.createInstance(createRequest("a", { input: undefined }), at(0));
    expect((await s.store.getInstance("a"))?.input).toBeUndefined();
    const item = await claimInstance(s.store, "a", "w1", at(0));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "ExecutionStarted", name: "Orch", executionId: "a-exec-1" }]);
  });

  it("a second createInstance of the same id rejects with InstanceAlreadyExistsError and changes nothing", async () => {
    await s.store.createInstance(createRequest("a", { executionId: "first", input: '"one"' }), at(0));
    const before = await s.store.getInstance("a");
    await expect(s.store.createInstance(createRequest("a", { executionId: "second", input: '"two"' }), at(10))).rejects.toBeInstanceOf(
      InstanceAlreadyExistsError,
    );
    expect(await s.store.getInstance("a")).toEqual(before);
    // The inbox holds only the first start message.
    const item = await claimInstance(s.store, "a", "w1", at(20));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "ExecutionStarted", name: "Orch", executionId: "first", input: '"one"' }]);
  });

  it("reuseFinished does not replace an instance that has not finished", async () => {
    await startRunning(s.store, "a", at(0));
    const before = await s.store.getInstance("a");
    await expect(
      s.store.createInstance(createRequest("a", { executionId: "second", reuseFinished: true }), at(10)),
    ).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toHaveLength(before!.historyLength);
  });

  it("reuseFinished replaces a finished instance: new execution, Pending, empty history", async () => {
    await startRunning(s.store, "a", at(0));
    await finish(s.store, "a", at(10));
    expect((await s.store.getInstance("a"))?.runtimeStatus).toBe("Completed");

    await s.store.createInstance(createRequest("a", { executionId: "second", input: '"again"', reuseFinished: true }), at(20));
    expect(await s.store.getInstance("a")).toMatchObject({
      executionId: "second",
      runtimeStatus: "Pending",
      input: '"again"',
      output: undefined,
      historyLength: 0,
      createdAt: at(20),
    });
    expect(await s.store.getHistory("a")).toEqual([]);
    const item = await claimInstance(s.store, "a", "w1", at(20));
    expect(item).toMatchObject({ executionId: "second", historyLength: 0 });
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "ExecutionStarted", name: "Orch", executionId: "second", input: '"again"' }]);
  });

  it("runtimeStatuses returns the status of each existing instance and omits missing ids", async () => {
    await startRunning(s.store, "running", at(0));
    await startRunning(s.store, "done", at(0));
    await finish(s.store, "done", at(5));
    await s.store.createInstance(createRequest("pending"), at(10));

    const statuses = await s.store.runtimeStatuses(["pending", "running", "done", "missing"]);
    expect(Object.fromEntries(statuses)).toEqual({ pending: "Pending", running: "Running", done: "Completed" });
    expect(statuses.has("missing")).toBe(false);
    expect((await s.store.runtimeStatuses([])).size).toBe(0);
  });
});
