/**
 * The trace context (a W3C traceparent) a store keeps for tracing: the instance's, handed to
 * every claim of it; the scheduling episode's, handed with each task and to each child; kept by
 * continueAsNew and rewind, replaced or kept by a restart.
 */
import { describe, expect, it } from "vitest";
import type { CommitOp } from "../../../src/store/store.js";
import { at, claimInstance, claimTasks, commitOne, createRequest, episodeOp, finish, scheduleTask } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

const START = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const EPISODE = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
const RESTART = "00-4bf92f3577b34da6a3ce929d0e0e4736-53995c3f42cd8ad8-01";

const traced = (op: CommitOp, traceContext: string): CommitOp => ({ ...op, traceContext }) as CommitOp;

describe.each(STORE_FACTORIES)("store conformance ($name): trace context", (factory) => {
  const s = useStore(factory);

  it("hands the instance's trace context to every claim of it, and none to an untraced instance", async () => {
    await s.store.createInstance(createRequest("a", { traceContext: START }), at(0));
    await s.store.createInstance(createRequest("b"), at(0));
    const { orchestrations } = await s.store.claim({
      orchestrations: { workerId: "w", names: ["Orch"], limit: 10, leaseMs: 10_000, now: at(0), stalledBefore: at(0), maxMessages: 100 },
      activities: { workerId: "w", names: [], limit: 0, leaseMs: 10_000, now: at(0) },
    });
    const byId = new Map(orchestrations.map((item) => [item.instanceId, item]));
    expect(byId.get("a")?.traceContext).toBe(START);
    expect(byId.get("b")).not.toHaveProperty("traceContext");
  });

  it("gives the tasks and the children an episode starts its own trace context", async () => {
    await s.store.createInstance(createRequest("p", { traceContext: START }), at(0));
    const item = await claimInstance(s.store, "p", "w", at(0));
    const child = { type: "StartSubOrchestration" as const, seq: 1, name: "Orch", instanceId: "p-child" };
    expect(await commitOne(s.store, traced(episodeOp(item, at(0), { commands: [scheduleTask(0), child] }), EPISODE), at(0))).toBe("ok");
    const [task] = await claimTasks(s.store, "w", at(1), 1);
    expect(task!.traceContext).toBe(EPISODE);
    expect((await claimInstance(s.store, "p-child", "w", at(1))).traceContext).toBe(EPISODE);
  });

  it("keeps it through continueAsNew: the next generation joins the same trace", async () => {
    await s.store.createInstance(createRequest("c", { traceContext: START }), at(0));
    const item = await claimInstance(s.store, "c", "w", at(0));
    const op = episodeOp(item, at(0)) as Extract<CommitOp, { type: "episode" }>;
    const next: CommitOp = {
      ...op,
      newExecutionId: "c-exec-2",
      traceContext: EPISODE,
      result: { ...op.result, runtimeStatus: "ContinuedAsNew", continuedAsNew: { input: "2", preserveEvents: false, carried: [] } },
    };
    expect(await commitOne(s.store, next, at(0))).toBe("ok");
    const claimed = await claimInstance(s.store, "c", "w", at(1));
    expect(claimed.executionId).toBe("c-exec-2");
    expect(claimed.traceContext).toBe(START);
  });

  it("keeps it through a rewind (the re-queued task too) and a restart without one; a restart with one replaces it", async () => {
    await s.store.createInstance(createRequest("r", { traceContext: START }), at(0));
    const first = await claimInstance(s.store, "r", "w", at(0));
    expect(await commitOne(s.store, traced(episodeOp(first, at(0), { commands: [scheduleTask(0)] }), EPISODE), at(0))).toBe("ok");
    const [task] = await claimTasks(s.store, "w", at(1), 1);
    expect(await commitOne(s.store, { type: "activityFailed", task: task!, error: { name: "Error", message: "no" } }, at(1))).toBe("ok");
    const failing = await claimInstance(s.store, "r", "w", at(2));
    expect(await commitOne(s.store, episodeOp(failing, at(2), { runtimeStatus: "Failed", failure: { code: "X", name: "Error", message: "no" } }), at(2))).toBe("ok");

    await s.store.rewindInstance("r", "fixed", at(3));
    const [again] = await claimTasks(s.store, "w", at(4), 1);
    expect(again!.traceContext).toBe(START);

    await s.store.createInstance(createRequest("k", { traceContext: START }), at(0));
    await claimInstance(s.store, "k", "w", at(0)).then((item) => commitOne(s.store, episodeOp(item, at(0)), at(0)));
    await finish(s.store, "k", at(1));
    await s.store.restartInstance("k", "k-exec-2", at(2));
    expect((await claimInstance(s.store, "k", "w", at(3))).traceContext).toBe(START);
    await s.store.createInstance(createRequest("n", { traceContext: START }), at(0));
    await claimInstance(s.store, "n", "w", at(0)).then((item) => commitOne(s.store, episodeOp(item, at(0)), at(0)));
    await finish(s.store, "n", at(1));
    await s.store.restartInstance("n", "n-exec-2", at(2), RESTART);
    expect((await claimInstance(s.store, "n", "w", at(3))).traceContext).toBe(RESTART);
  });
});
