/**
 * What the commit of an episode that ends its execution writes of its commands: the children
 * it starts are created (they outlive the parent, and their outcomes go to no one); its
 * activities, timers and timer cancellations are not written; a terminated episode writes none.
 */
import { describe, expect, it } from "vitest";
import type { Command, EpisodeResult } from "../../../src/engine/command.js";
import type { CommitOp, OrchestrationWorkItem, Store } from "../../../src/store/store.js";
import {
  ACT,
  at,
  cancelTimer,
  claimInstance,
  commitOne,
  createRequest,
  createTimer,
  episodeOp,
  eventMessage,
  ORCH,
  orchestrationClaim,
  scheduleTask,
  startRunning,
  type EpisodeSpec,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

/** Children run another orchestration, so that a claim of the parent's name never takes them. */
const CHILD = "Child";
const startChild = (seq: number, instanceId: string): Command => ({ type: "StartSubOrchestration", seq, name: CHILD, instanceId, input: `"${instanceId}"` });
const asChild = { names: [CHILD] };

/** The continueAsNew op a worker would commit for this item: the next generation gets `input`. */
function continueAsNewOp(item: OrchestrationWorkItem, now: number, commands: Command[], input: string): CommitOp {
  const op = episodeOp(item, now, { runtimeStatus: "ContinuedAsNew", commands });
  if (op.type !== "episode") throw new Error("unreachable");
  const continuedAsNew: EpisodeResult["continuedAsNew"] = { input, preserveEvents: true, carried: [] };
  return { ...op, result: { ...op.result, continuedAsNew }, newExecutionId: `${item.instanceId}-exec-2` };
}

/** The messages a claim of this instance at `now` would hand over, by type. */
async function queuedTypes(store: Store, instanceId: string, now: number): Promise<string[]> {
  const { orchestrations } = await store.claim(orchestrationClaim(`peek-${now}`, now, { names: [ORCH] }));
  return orchestrations.find((item) => item.instanceId === instanceId)?.messages.map((m) => m.message.type) ?? [];
}

describe.each(STORE_FACTORIES)("store conformance ($name): episodes that end their execution", (factory) => {
  const s = useStore(factory);

  /** Starts "parent" and commits an ending episode with these commands; returns the op. */
  async function endParent(spec: EpisodeSpec): Promise<CommitOp> {
    await startRunning(s.store, "parent", at(0), { commands: [createTimer(0, at(60_000))] });
    await s.store.sendMessage("parent", eventMessage("go"), at(10));
    const item = await claimInstance(s.store, "parent", "w1", at(20));
    const op = episodeOp(item, at(30), spec);
    expect(await commitOne(s.store, op, at(30))).toBe("ok");
    return op;
  }

  it.each(["Completed", "Failed"] as const)("%s: creates the children it starts, in the same commit, and nothing else", async (status) => {
    const op = await endParent({
      runtimeStatus: status,
      ...(status === "Completed" ? { output: '"done"' } : { failure: { code: "ORCHESTRATION_FAILED", name: "Error", message: "no" } }),
      commands: [scheduleTask(1), startChild(2, "kept"), createTimer(3, at(40)), cancelTimer(0), startChild(4, "kept-too")],
    });
    expect(await s.store.getInstance("parent")).toMatchObject({ runtimeStatus: status });
    expect(await s.store.getHistory("parent")).toEqual(expect.arrayContaining(op.type === "episode" ? op.result.newEvents : []));
    for (const child of ["kept", "kept-too"]) {
      expect(await s.store.getInstance(child)).toMatchObject({ name: CHILD, runtimeStatus: "Pending", input: `"${child}"` });
    }
    // No activity task, no timer (neither the new one nor the one it cancelled), no parent inbox.
    expect(await s.store.nextVisibleAt([], [ACT], at(30))).toBeNull();
    const { activities } = await s.store.claim({ ...orchestrationClaim("w2", at(100_000)), activities: { workerId: "w2", names: [ACT], limit: 10, leaseMs: 1000, now: at(100_000) } });
    expect(activities).toEqual([]);
    expect(await queuedTypes(s.store, "parent", at(100_000))).toEqual([]);
  });

  it("a child of a parent that ended runs on its own, and its outcome reaches no one", async () => {
    await endParent({ runtimeStatus: "Completed", output: '"done"', commands: [startChild(1, "orphan")] });
    const child = await claimInstance(s.store, "orphan", "w2", at(40), asChild);
    expect(child.messages.map((m) => m.message.type)).toEqual(["ExecutionStarted"]);
    expect(await commitOne(s.store, episodeOp(child, at(50), { runtimeStatus: "Completed", output: '"child out"' }), at(50))).toBe("ok");
    expect(await s.store.getInstance("orphan")).toMatchObject({ runtimeStatus: "Completed", output: '"child out"' });
    expect(await s.store.getInstance("parent")).toMatchObject({ runtimeStatus: "Completed", output: '"done"' });
    expect(await queuedTypes(s.store, "parent", at(60))).toEqual([]);
  });

  it("a taken child id leaves the existing instance alone and queues no failure for the ended parent", async () => {
    await s.store.createInstance(createRequest("taken", { name: CHILD, input: '"mine"', startAt: at(86_400_000) }), at(0));
    await endParent({ runtimeStatus: "Completed", output: '"done"', commands: [startChild(1, "taken")] });
    expect(await s.store.getInstance("taken")).toMatchObject({ runtimeStatus: "Pending", input: '"mine"', executionId: "taken-exec-1" });
    // Nothing left in the parent's inbox, not even a message no claim would take.
    expect(await s.store.nextVisibleAt([ORCH], [], at(29))).toBeNull();
  });

  it("a taken child id sends no failure to the next generation of a parent that continues as new", async () => {
    await s.store.createInstance(createRequest("taken", { name: CHILD, input: '"mine"', startAt: at(86_400_000) }), at(0));
    await startRunning(s.store, "parent", at(0));
    await s.store.sendMessage("parent", eventMessage("go"), at(10));
    const item = await claimInstance(s.store, "parent", "w1", at(20));
    expect(await commitOne(s.store, continueAsNewOp(item, at(30), [startChild(0, "taken")], '"next"'), at(30))).toBe("ok");
    expect(await s.store.getInstance("taken")).toMatchObject({ runtimeStatus: "Pending", input: '"mine"' });
    expect(await queuedTypes(s.store, "parent", at(40))).toEqual(["ExecutionStarted"]);
  });

  it("Terminated: creates none of the children", async () => {
    await endParent({ runtimeStatus: "Terminated", commands: [startChild(1, "never")] });
    expect(await s.store.getInstance("never")).toBeNull();
  });

  it("ContinuedAsNew: creates the children; they report to no generation; the next one starts clean", async () => {
    await startRunning(s.store, "parent", at(0), { commands: [startChild(0, "earlier")] });
    await s.store.sendMessage("parent", eventMessage("go"), at(10));
    const item = await claimInstance(s.store, "parent", "w1", at(20));
    // The child of an earlier episode ends after the claim: its result waits, unconsumed.
    const earlier = await claimInstance(s.store, "earlier", "w2", at(21), asChild);
    expect(await commitOne(s.store, episodeOp(earlier, at(22), { runtimeStatus: "Completed", output: '"e"' }), at(22))).toBe("ok");

    const op = continueAsNewOp(item, at(30), [scheduleTask(1), startChild(2, "last"), createTimer(3, at(40))], '"next"');
    expect(await commitOne(s.store, op, at(30))).toBe("ok");
    expect(await s.store.getInstance("parent")).toMatchObject({ runtimeStatus: "Running", executionId: "parent-exec-2", input: '"next"' });
    expect(await s.store.getInstance("last")).toMatchObject({ runtimeStatus: "Pending", input: '"last"' });
    expect(await s.store.nextVisibleAt([], [ACT], at(30))).toBeNull();

    // The child started by the ending generation ends too: the next generation hears of neither.
    const last = await claimInstance(s.store, "last", "w2", at(31), asChild);
    expect(await commitOne(s.store, episodeOp(last, at(32), { runtimeStatus: "Completed", output: '"l"' }), at(32))).toBe("ok");
    expect(await queuedTypes(s.store, "parent", at(100_000))).toEqual(["ExecutionStarted"]);
  });
});
