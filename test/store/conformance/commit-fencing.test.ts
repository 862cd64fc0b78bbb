/** Episode commits are fenced by lease token and history length; a fenced op writes nothing. */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../../src/engine/history-event.js";
import type { CommitOp } from "../../../src/store/store.js";
import {
  activityClaim,
  at,
  cancelTimer,
  claimInstance,
  commitOne,
  createRequest,
  createTimer,
  episodeOp,
  eventMessage,
  LEASE_MS,
  ORCH,
  orchestrationClaim,
  scheduleTask,
  startRunning,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): commit fencing", (factory) => {
  const s = useStore(factory);

  it("an episode with a wrong lease token is leaseLost and writes nothing", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    const before = await s.store.getInstance("a");

    const outcome = await commitOne(s.store, episodeOp(item, at(5), {}, { leaseToken: "not-the-token" }), at(5));
    expect(outcome).toBe("leaseLost");
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toEqual([]);
    // The lease still holds (nobody else can claim), and the message was not consumed:
    expect((await s.store.claim(orchestrationClaim("w2", at(6)))).orchestrations).toEqual([]);
    expect(await commitOne(s.store, episodeOp(item, at(7)), at(7))).toBe("ok");
    expect((await s.store.getInstance("a"))?.historyLength).toBe(2);
  });

  it("an episode based on a stale history length is leaseLost and writes nothing", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const first = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, episodeOp(first, at(1)), at(1))).toBe("ok");
    await s.store.sendMessage("a", eventMessage("go", 1), at(2));
    const second = await claimInstance(s.store, "a", "w1", at(3));
    expect(second.historyLength).toBe(2);
    const before = await s.store.getInstance("a");
    const history = await s.store.getHistory("a");

    for (const stale of [0, 1, 3]) {
      const outcome = await commitOne(s.store, episodeOp(second, at(4), {}, { historyLengthBefore: stale }), at(4));
      expect(outcome, `historyLengthBefore ${stale}`).toBe("leaseLost");
    }
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toEqual(history);
    expect(await commitOne(s.store, episodeOp(second, at(5)), at(5))).toBe("ok");
  });

  it("an episode that consumes a message no longer queued for its instance is leaseLost and writes nothing", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const first = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, episodeOp(first, at(1)), at(1))).toBe("ok");
    await s.store.sendMessage("a", eventMessage("go", 1), at(2));
    const second = await claimInstance(s.store, "a", "w1", at(3));
    await s.store.createInstance(createRequest("b"), at(4));
    const other = await claimInstance(s.store, "b", "w1", at(4));
    const [consumedBefore, queued, othersMessage] = [first.messages[0]!.id, second.messages[0]!.id, other.messages[0]!.id];
    const before = await s.store.getInstance("a");
    const history = await s.store.getHistory("a");

    // A confused worker: the start again (consumed by the first episode), or another instance's message.
    for (const consumed of [[consumedBefore, queued], [consumedBefore], [queued, othersMessage]]) {
      const outcome = await commitOne(s.store, episodeOp(second, at(5), { runtimeStatus: "Completed", output: "1" }, { consumedMessageIds: consumed }), at(5));
      expect(outcome, `consumed ${JSON.stringify(consumed)}`).toBe("leaseLost");
    }
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toEqual(history);
    expect(await commitOne(s.store, episodeOp(other, at(6)), at(6))).toBe("ok");
    expect(await commitOne(s.store, episodeOp(second, at(6)), at(6))).toBe("ok");
  });

  it("a continueAsNew that consumes a message no longer queued is leaseLost and writes nothing", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const first = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, episodeOp(first, at(1)), at(1))).toBe("ok");
    await s.store.sendMessage("a", eventMessage("go", 1), at(2));
    const second = await claimInstance(s.store, "a", "w1", at(3));
    const before = await s.store.getInstance("a");
    const history = await s.store.getHistory("a");
    const continueAsNew = (consumedMessageIds: number[]): CommitOp => {
      const op = episodeOp(second, at(4), {}, { consumedMessageIds });
      if (op.type !== "episode") throw new Error("an episode op");
      const newEvents: HistoryEvent[] = [...op.result.newEvents, { type: "ExecutionContinuedAsNew", timestamp: at(4), input: "2" }];
      return { ...op, newExecutionId: "a-exec-2", result: { ...op.result, newEvents, runtimeStatus: "ContinuedAsNew", continuedAsNew: { input: "2", preserveEvents: false, carried: [] } } };
    };

    expect(await commitOne(s.store, continueAsNew([first.messages[0]!.id, second.messages[0]!.id]), at(4))).toBe("leaseLost");
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.getHistory("a")).toEqual(history);
    expect(await commitOne(s.store, continueAsNew([second.messages[0]!.id]), at(5))).toBe("ok");
    expect(await s.store.getInstance("a")).toMatchObject({ executionId: "a-exec-2", input: "2", historyLength: 0 });
  });

  it("committed episodes append their events in order, update the instance and release the lease", async () => {
    await s.store.createInstance(createRequest("a", { executionId: "e1" }), at(0));
    const expected: HistoryEvent[] = [];
    let item = await claimInstance(s.store, "a", "w1", at(0));
    for (let i = 1; i <= 3; i++) {
      const op = episodeOp(item, at(i * 100), { customStatus: { value: `step ${i}` } });
      expect(await commitOne(s.store, op, at(i * 100))).toBe("ok");
      if (op.type === "episode") expected.push(...op.result.newEvents);
      expect(await s.store.getInstance("a")).toMatchObject({
        runtimeStatus: "Running",
        historyLength: expected.length,
        customStatus: `step ${i}`,
        lastUpdatedAt: at(i * 100),
      });
      // Consumed messages are gone: nothing to claim until a new message arrives.
      expect((await s.store.claim(orchestrationClaim("w2", at(i * 100 + 1)))).orchestrations).toEqual([]);
      await s.store.sendMessage("a", eventMessage(`e${i}`, i), at(i * 100 + 2));
      // Released: another worker claims it at once, well within the old lease.
      item = await claimInstance(s.store, "a", `w${i + 2}`, at(i * 100 + 3));
      expect(item.historyLength).toBe(expected.length);
      expect(item.messages.map((m) => m.message)).toEqual([eventMessage(`e${i}`, i)]);
    }
    expect(await s.store.getHistory("a")).toEqual(expected);
    expect(expected.map((e) => e.type)).toEqual([
      "EpisodeStarted", "ExecutionStarted", "CustomStatusSet",
      "EpisodeStarted", "EventRaised", "CustomStatusSet",
      "EpisodeStarted", "EventRaised", "CustomStatusSet",
    ]);
  });

  it("the same episode op committed again (a retry after a lost answer) is ok and writes nothing more", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    await s.store.createInstance(createRequest("b"), at(0));
    const { orchestrations } = await s.store.claim(orchestrationClaim("w1", at(0)));
    const ops = ["a", "b"].map((id) => episodeOp(orchestrations.find((item) => item.instanceId === id)!, at(1), { commands: [scheduleTask(1)] }));
    expect((await s.store.commit(ops, at(1))).outcomes).toEqual(["ok", "ok"]);
    const instances = [await s.store.getInstance("a"), await s.store.getInstance("b")];
    const histories = [await s.store.getHistory("a"), await s.store.getHistory("b")];

    expect((await s.store.commit(ops, at(2))).outcomes).toEqual(["ok", "ok"]);
    expect(await commitOne(s.store, ops[0]!, at(3))).toBe("ok");
    expect([await s.store.getInstance("a"), await s.store.getInstance("b")]).toEqual(instances);
    expect([await s.store.getHistory("a"), await s.store.getHistory("b")]).toEqual(histories);
    expect((await s.store.claim(activityClaim("w2", at(4)))).activities.map((t) => t.instanceId).sort()).toEqual(["a", "b"]);

    // An episode that ends its instance, committed alone and without a claim, likewise.
    await s.store.createInstance(createRequest("c"), at(5));
    const c = await claimInstance(s.store, "c", "w1", at(5));
    const end = episodeOp(c, at(6), { runtimeStatus: "Completed", output: '"done"' });
    expect(await commitOne(s.store, end, at(6))).toBe("ok");
    const ended = await s.store.getHistory("c");
    expect(await commitOne(s.store, end, at(7))).toBe("ok");
    expect(await s.store.getHistory("c")).toEqual(ended);
    expect(await s.store.getInstance("c")).toMatchObject({ runtimeStatus: "Completed", output: '"done"', lastUpdatedAt: at(6) });
  });

  it("a committed episode's lease token no longer commits", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, episodeOp(item, at(1)), at(1))).toBe("ok");
    const history = await s.store.getHistory("a");
    // Same token, same history length as the instance now has: still fenced (the lease was released).
    const replay = episodeOp(item, at(2), {}, { historyLengthBefore: history.length, consumedMessageIds: [] });
    expect(await commitOne(s.store, replay, at(2))).toBe("leaseLost");
    expect(await s.store.getHistory("a")).toEqual(history);
  });

  it("the ops of one commit are independent: a fenced one does not affect the others", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    await s.store.createInstance(createRequest("b"), at(0));
    const { orchestrations } = await s.store.claim(orchestrationClaim("w1", at(0)));
    const a = orchestrations.find((item) => item.instanceId === "a")!;
    const b = orchestrations.find((item) => item.instanceId === "b")!;
    expect(a && b).toBeTruthy();

    const opB = episodeOp(b, at(5));
    const { outcomes } = await s.store.commit([episodeOp(a, at(5), {}, { leaseToken: b.leaseToken }), opB], at(5));
    expect(outcomes).toEqual(["leaseLost", "ok"]);
    expect(await s.store.getHistory("a")).toEqual([]);
    expect(await s.store.getInstance("a")).toMatchObject({ runtimeStatus: "Pending", historyLength: 0 });
    expect(await s.store.getHistory("b")).toEqual(opB.type === "episode" ? opB.result.newEvents : []);
    expect(await s.store.getInstance("b")).toMatchObject({ runtimeStatus: "Running", historyLength: 2 });
  });

  it("one commit of many episodes of every kind writes each as committing it alone would", async () => {
    await startRunning(s.store, "tasks", at(0));
    await startRunning(s.store, "ends", at(0));
    await startRunning(s.store, "cancels", at(0), { commands: [createTimer(1, at(5000))] });
    await startRunning(s.store, "stale", at(0));
    await startRunning(s.store, "custom", at(0));
    for (const id of ["tasks", "ends", "cancels", "stale", "custom"]) await s.store.sendMessage(id, eventMessage("go"), at(10));
    const { orchestrations } = await s.store.claim(orchestrationClaim("w1", at(20)));
    const item = (id: string) => orchestrations.find((o) => o.instanceId === id)!;
    expect(orchestrations).toHaveLength(5);
    // Arrives after the claim: the ending episode did not consume it, and its end removes it.
    await s.store.sendMessage("ends", eventMessage("late"), at(25));
    const staleBefore = await s.store.getInstance("stale");
    const historiesBefore = new Map<string, HistoryEvent[]>();
    for (const o of orchestrations) historiesBefore.set(o.instanceId, await s.store.getHistory(o.instanceId));

    const ops = [
      episodeOp(item("tasks"), at(30), { commands: [scheduleTask(2), scheduleTask(3), createTimer(4, at(900))] }),
      episodeOp(item("ends"), at(30), { runtimeStatus: "Completed", output: '"out"' }),
      episodeOp(item("cancels"), at(30), { commands: [cancelTimer(1)] }),
      episodeOp(item("stale"), at(30), {}, { leaseToken: "not-the-token" }),
      episodeOp(item("custom"), at(30), { customStatus: { value: '"half way"' } }),
    ];
    const { outcomes } = await s.store.commit(ops, at(30));
    expect(outcomes).toEqual(["ok", "ok", "ok", "leaseLost", "ok"]);

    for (const op of ops) {
      if (op.type !== "episode" || op.instanceId === "stale") continue;
      expect(await s.store.getHistory(op.instanceId)).toEqual([...historiesBefore.get(op.instanceId)!, ...op.result.newEvents]);
    }
    expect(await s.store.getInstance("ends")).toMatchObject({ runtimeStatus: "Completed", output: '"out"' });
    expect(await s.store.getInstance("custom")).toMatchObject({ runtimeStatus: "Running", customStatus: '"half way"' });
    expect(await s.store.getInstance("stale")).toEqual(staleBefore);
    expect(await s.store.getHistory("stale")).toEqual(historiesBefore.get("stale"));
    const tasks = (await s.store.claim(activityClaim("w2", at(40)))).activities;
    expect(tasks.map((t) => [t.instanceId, t.seq])).toEqual([["tasks", 2], ["tasks", 3]]);
    // Only the new timer is left to fire: the cancelled one and the late event are gone.
    expect(await s.store.nextVisibleAt([ORCH], [], at(40))).toBe(at(900));
    expect((await s.store.claim(orchestrationClaim("w2", at(6000)))).orchestrations.map((o) => [o.instanceId, o.messages.map((m) => m.message)])).toEqual([
      ["tasks", [{ type: "TimerFired", seq: 4 }]],
    ]);
  });

  it("a commit with a claim returns the newly claimable work in the same call", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    await s.store.createInstance(createRequest("b"), at(1));
    const { outcomes, claimed } = await s.store.commit([episodeOp(item, at(2))], at(2), orchestrationClaim("w1", at(2)));
    expect(outcomes).toEqual(["ok"]);
    expect(claimed.orchestrations.map((o) => o.instanceId)).toEqual(["b"]);
    expect(claimed.activities).toEqual([]);
    expect((await s.store.claim(orchestrationClaim("w2", at(LEASE_MS)))).orchestrations).toEqual([]);
  });
});
