/** Inbox messages: who accepts them, their order, and durable timers. */
import { describe, expect, it } from "vitest";
import { InstanceNotFoundError, InstanceNotRunningError } from "../../../src/errors.js";
import {
  at,
  cancelTimer,
  claimInstance,
  commitOne,
  createRequest,
  createTimer,
  episodeOp,
  eventMessage,
  finish,
  orchestrationClaim,
  startRunning,
} from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): messages", (factory) => {
  const s = useStore(factory);

  it("sendMessage to a missing instance rejects with InstanceNotFoundError", async () => {
    await expect(s.store.sendMessage("missing", eventMessage("e"), at(0))).rejects.toBeInstanceOf(InstanceNotFoundError);
    expect(await s.store.getInstance("missing")).toBeNull();
  });

  it("sendMessage to a finished instance rejects with InstanceNotRunningError and changes nothing", async () => {
    await startRunning(s.store, "a", at(0));
    await finish(s.store, "a", at(10));
    const before = await s.store.getInstance("a");
    await expect(s.store.sendMessage("a", eventMessage("late"), at(20))).rejects.toBeInstanceOf(InstanceNotRunningError);
    expect(await s.store.getInstance("a")).toEqual(before);
    expect(await s.store.nextVisibleAt(["Orch"], [], at(0))).toBeNull();
  });

  it("events are delivered in the order they were sent, also within one millisecond", async () => {
    await startRunning(s.store, "a", at(0));
    const sent = [eventMessage("e1", 1), eventMessage("e2", 2), eventMessage("e3", 3), eventMessage("e4", 4)];
    await s.store.sendMessage("a", sent[0]!, at(10));
    await s.store.sendMessage("a", sent[1]!, at(20));
    await s.store.sendMessage("a", sent[2]!, at(20));
    await s.store.sendMessage("a", sent[3]!, at(20));
    const item = await claimInstance(s.store, "a", "w1", at(30));
    expect(item.messages.map((m) => m.message)).toEqual(sent);
  });

  it("events sent in one turn to several instances: each call gets its own answer; the accepted are queued in order", async () => {
    await startRunning(s.store, "a", at(0));
    await startRunning(s.store, "b", at(0));
    await startRunning(s.store, "done", at(0));
    await finish(s.store, "done", at(5));
    const calls = [
      s.store.sendMessage("a", eventMessage("a1", 1), at(10)),
      s.store.sendMessage("missing", eventMessage("x"), at(10)),
      s.store.sendMessage("b", eventMessage("b1", 1), at(10)),
      s.store.sendMessage("done", eventMessage("late"), at(10)),
      s.store.sendMessage("a", eventMessage("a2", 2), at(10)),
      s.store.sendMessage("b", eventMessage("b2", 2), at(10)),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(InstanceNotFoundError);
    expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(InstanceNotRunningError);
    expect(await s.store.getInstance("missing")).toBeNull();
    const { orchestrations } = await s.store.claim(orchestrationClaim("w1", at(20)));
    const delivered = Object.fromEntries(orchestrations.map((item) => [item.instanceId, item.messages.map((m) => m.message)]));
    expect(delivered).toEqual({ a: [eventMessage("a1", 1), eventMessage("a2", 2)], b: [eventMessage("b1", 1), eventMessage("b2", 2)] });
  });

  it("reads made in one turn each answer for their own instance (null or no history for a missing one)", async () => {
    await startRunning(s.store, "a", at(0));
    await s.store.createInstance(createRequest("b"), at(0));
    const [a, missing, b, again] = await Promise.all([
      s.store.getInstance("a"),
      s.store.getInstance("missing"),
      s.store.getInstance("b"),
      s.store.getInstance("a"),
    ]);
    expect([a?.instanceId, a?.runtimeStatus]).toEqual(["a", "Running"]);
    expect(missing).toBeNull();
    expect([b?.instanceId, b?.runtimeStatus]).toEqual(["b", "Pending"]);
    expect(again).toEqual(a);

    const aHistory = await s.store.getHistory("a");
    expect(aHistory.length).toBeGreaterThan(0);
    const histories = await Promise.all([s.store.getHistory("a"), s.store.getHistory("missing"), s.store.getHistory("b"), s.store.getHistory("a")]);
    expect(histories).toEqual([aHistory, [], [], aHistory]);
    expect(histories[0]).not.toBe(histories[3]);
  });

  it("what arrives while suspended, even in the suspension's millisecond, is delivered after the resumption", async () => {
    await startRunning(s.store, "a", at(0));
    await s.store.sendMessage("a", { type: "Suspend", reason: "maintenance" }, at(10));
    await s.store.sendMessage("a", eventMessage("same-ms"), at(10));
    await s.store.sendMessage("a", eventMessage("later"), at(15));
    expect((await s.store.claim(orchestrationClaim("w1", at(16)))).orchestrations).toEqual([]);
    await s.store.sendMessage("a", { type: "Resume", reason: "done" }, at(20));
    const item = await claimInstance(s.store, "a", "w1", at(21));
    expect(item.messages.map((m) => m.message)).toEqual([
      { type: "Suspend", reason: "maintenance" },
      { type: "Resume", reason: "done" },
      eventMessage("same-ms"),
      eventMessage("later"),
    ]);
  });

  it("an event sent after a message became due is delivered after it", async () => {
    await startRunning(s.store, "a", at(0), { commands: [createTimer(1, at(100))] });
    await s.store.sendMessage("a", eventMessage("late"), at(150));
    const item = await claimInstance(s.store, "a", "w1", at(200));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TimerFired", seq: 1 }, eventMessage("late")]);
  });

  it("maxMessages bounds a claim; the rest stays queued, in order, for the next episode", async () => {
    await startRunning(s.store, "a", at(0));
    for (let i = 1; i <= 3; i++) await s.store.sendMessage("a", eventMessage(`e${i}`), at(i));
    const first = await claimInstance(s.store, "a", "w1", at(10), { maxMessages: 2 });
    expect(first.messages.map((m) => m.message)).toEqual([eventMessage("e1"), eventMessage("e2")]);
    expect(await commitOne(s.store, episodeOp(first, at(11)), at(11))).toBe("ok");
    const second = await claimInstance(s.store, "a", "w1", at(12), { maxMessages: 2 });
    expect(second.messages.map((m) => m.message)).toEqual([eventMessage("e3")]);
  });

  it("an event sent to an instance waiting for its startAt is delivered after its start", async () => {
    await s.store.createInstance(createRequest("a", { startAt: at(1000) }), at(0));
    await s.store.sendMessage("a", eventMessage("early"), at(10));
    expect((await s.store.claim(orchestrationClaim("w1", at(500)))).orchestrations).toEqual([]);
    const item = await claimInstance(s.store, "a", "w1", at(1000));
    expect(item.messages.map((m) => m.message.type)).toEqual(["ExecutionStarted", "EventRaised"]);
  });

  it("a timer's message becomes claimable at its fireAt, and nextVisibleAt reports it", async () => {
    await startRunning(s.store, "a", at(0), { commands: [createTimer(1, at(5000))] });
    expect(await s.store.nextVisibleAt(["Orch"], [], at(1))).toBe(at(5000));
    expect(await s.store.nextVisibleAt(["Other"], [], at(1))).toBeNull();
    const early = await s.store.claim(orchestrationClaim("w1", at(4999)));
    expect(early.orchestrations).toEqual([]);
    // A store whose claim reads the next visible time on the way must read the same.
    if (early.nextVisibleAt !== undefined) expect(early.nextVisibleAt).toBe(at(5000));
    const item = await claimInstance(s.store, "a", "w1", at(5000));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TimerFired", seq: 1 }]);
    const { nextVisibleAt } = await s.store.claim(orchestrationClaim("w1", at(5001)));
    if (nextVisibleAt !== undefined) expect(nextVisibleAt).toBeNull();
  });

  it("only the due messages are claimed: a later timer stays queued", async () => {
    await startRunning(s.store, "a", at(0), { commands: [createTimer(1, at(100)), createTimer(2, at(200))] });
    const item = await claimInstance(s.store, "a", "w1", at(150));
    expect(item.messages.map((m) => m.message)).toEqual([{ type: "TimerFired", seq: 1 }]);
    expect(await commitOne(s.store, episodeOp(item, at(150)), at(150))).toBe("ok");
    expect((await s.store.claim(orchestrationClaim("w1", at(199)))).orchestrations).toEqual([]);
    const next = await claimInstance(s.store, "a", "w1", at(200));
    expect(next.messages.map((m) => m.message)).toEqual([{ type: "TimerFired", seq: 2 }]);
  });

  it("a CancelTimer command deletes the timer's pending message", async () => {
    await startRunning(s.store, "a", at(0), { commands: [createTimer(1, at(5000)), createTimer(2, at(6000))] });
    await s.store.sendMessage("a", eventMessage("cancel"), at(10));
    const item = await claimInstance(s.store, "a", "w1", at(10));
    expect(await commitOne(s.store, episodeOp(item, at(10), { commands: [cancelTimer(1)] }), at(10))).toBe("ok");
    expect(await s.store.nextVisibleAt(["Orch"], [], at(11))).toBe(at(6000));
    const next = await claimInstance(s.store, "a", "w1", at(7000));
    expect(next.messages.map((m) => m.message)).toEqual([{ type: "TimerFired", seq: 2 }]);
  });
});
