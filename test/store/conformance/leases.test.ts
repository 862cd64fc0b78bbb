/** Claims and leases on instances: what a claim returns, who else can claim, renewal, stalls. */
import { describe, expect, it } from "vitest";
import { at, claimInstance, commitOne, createRequest, episodeOp, eventMessage, LEASE_MS, orchestrationClaim } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): claims and leases", (factory) => {
  const s = useStore(factory);

  it("a claim leases a new instance and returns its ExecutionStarted message with a lease token", async () => {
    await s.store.createInstance(createRequest("a", { executionId: "exec-a", input: '"in"' }), at(0));
    const { orchestrations, activities } = await s.store.claim(orchestrationClaim("w1", at(0)));
    expect(activities).toEqual([]);
    expect(orchestrations).toHaveLength(1);
    const item = orchestrations[0]!;
    expect(item).toMatchObject({ instanceId: "a", name: "Orch", executionId: "exec-a", historyLength: 0 });
    expect(typeof item.leaseToken).toBe("string");
    expect(item.leaseToken.length).toBeGreaterThan(0);
    expect(item.messages).toHaveLength(1);
    expect(typeof item.messages[0]!.id).toBe("number");
    expect(item.messages[0]!.message).toEqual({ type: "ExecutionStarted", name: "Orch", executionId: "exec-a", input: '"in"' });
  });

  it("a claim says when its leases run out, whether on its own or in a commit (a later answer hands out work others may hold)", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const alone = await s.store.claim(orchestrationClaim("w1", at(0)));
    expect(alone.orchestrations).toHaveLength(1);
    expect(alone.leasesExpireAt).toBe(at(LEASE_MS));
    await s.store.createInstance(createRequest("b"), at(1));
    const inCommit = await s.store.commit([episodeOp(alone.orchestrations[0]!, at(5))], at(5), orchestrationClaim("w1", at(5)));
    expect(inCommit.claimed.orchestrations.map((item) => item.instanceId)).toEqual(["b"]);
    expect(inCommit.claimed.leasesExpireAt).toBe(at(5 + LEASE_MS));
  });

  it("a claim only takes the names it asks for", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    expect((await s.store.claim(orchestrationClaim("w1", at(0), { names: ["Other"] }))).orchestrations).toEqual([]);
    await claimInstance(s.store, "a", "w1", at(0), { names: ["Other", "Orch"] });
  });

  it("an instance with a future startAt is claimable only from startAt", async () => {
    await s.store.createInstance(createRequest("a", { startAt: at(1000) }), at(0));
    expect((await s.store.claim(orchestrationClaim("w1", at(999)))).orchestrations).toEqual([]);
    await claimInstance(s.store, "a", "w1", at(1000));
  });

  it("another worker cannot claim a leased instance until the lease expires, then gets a new token", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const first = await claimInstance(s.store, "a", "w1", at(0));

    expect((await s.store.claim(orchestrationClaim("w2", at(1)))).orchestrations).toEqual([]);
    expect((await s.store.claim(orchestrationClaim("w2", at(LEASE_MS - 1)))).orchestrations).toEqual([]);
    // The same worker asking again does not get its own leased instance twice either.
    expect((await s.store.claim(orchestrationClaim("w1", at(LEASE_MS - 1)))).orchestrations).toEqual([]);

    const second = await claimInstance(s.store, "a", "w2", at(LEASE_MS + 1));
    expect(second.leaseToken).not.toBe(first.leaseToken);
    expect(second.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));

    // The first worker's lease is gone: its commit is fenced off, the new holder's is not.
    expect(await commitOne(s.store, episodeOp(first, at(LEASE_MS + 2)), at(LEASE_MS + 2))).toBe("leaseLost");
    expect(await commitOne(s.store, episodeOp(second, at(LEASE_MS + 3)), at(LEASE_MS + 3))).toBe("ok");
  });

  it("renewLeases extends an instance lease to leaseMs from the renewal", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0), { leaseMs: 1000 });

    const renewed = await s.store.renewLeases([{ instanceId: "a", leaseToken: item.leaseToken }], [], at(800), 1000);
    expect(renewed.endedTaskTokens).toEqual([]);
    // Without the renewal it would be claimable at 1000; now it is leased until 1800.
    expect((await s.store.claim(orchestrationClaim("w2", at(1500)))).orchestrations).toEqual([]);
    expect((await s.store.claim(orchestrationClaim("w2", at(1799)))).orchestrations).toEqual([]);
    await claimInstance(s.store, "a", "w2", at(1801));
  });

  it("renewLeases with an unknown or stale token changes nothing", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const first = await claimInstance(s.store, "a", "w1", at(0), { leaseMs: 1000 });
    await s.store.renewLeases([{ instanceId: "a", leaseToken: "not-a-token" }], [], at(800), 60_000);
    await claimInstance(s.store, "a", "w2", at(1001), { leaseMs: 1000 });
    // The first lease's token, now stale: the second lease still ends at 2001.
    await s.store.renewLeases([{ instanceId: "a", leaseToken: first.leaseToken }], [], at(1500), 60_000);
    await claimInstance(s.store, "a", "w3", at(2002));
  });

  it("a releaseInstance op makes the instance claimable at once and fences a stale token", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, { type: "releaseInstance", instanceId: "a", leaseToken: "wrong" }, at(1))).toBe("leaseLost");
    expect((await s.store.claim(orchestrationClaim("w2", at(2)))).orchestrations).toEqual([]);

    expect(await commitOne(s.store, { type: "releaseInstance", instanceId: "a", leaseToken: item.leaseToken }, at(3))).toBe("ok");
    const again = await claimInstance(s.store, "a", "w2", at(4));
    expect(again.messages.map((m) => m.id)).toEqual(item.messages.map((m) => m.id));
    expect(await s.store.getHistory("a")).toEqual([]);
  });

  it("a stalled instance is skipped unless it stalled before stalledBefore", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    const stall = { type: "stall", instanceId: "a", leaseToken: item.leaseToken, code: "NON_DETERMINISM", message: "step 1 differs" } as const;
    expect(await commitOne(s.store, stall, at(10))).toBe("ok");
    expect((await s.store.getInstance("a"))?.stalled).toEqual({ code: "NON_DETERMINISM", message: "step 1 differs", since: at(10) });

    // A worker started before the stall skips it (even with the lease released by the stall)...
    expect((await s.store.claim(orchestrationClaim("w2", at(20), { stalledBefore: at(5) }))).orchestrations).toEqual([]);
    // ...a worker started after it takes it, without waiting for the old lease to expire.
    const retried = await claimInstance(s.store, "a", "w3", at(20), { stalledBefore: at(15) });
    expect(retried.messages.map((m) => m.id)).toEqual(item.messages.map((m) => m.id));

    // A stall with a lost lease is fenced; a second stall keeps the first `since`.
    expect(await commitOne(s.store, { ...stall, leaseToken: item.leaseToken }, at(30))).toBe("leaseLost");
    expect(await commitOne(s.store, { ...stall, leaseToken: retried.leaseToken, message: "again" }, at(40))).toBe("ok");
    expect((await s.store.getInstance("a"))?.stalled).toEqual({ code: "NON_DETERMINISM", message: "again", since: at(10) });

    // A committed episode clears the stall.
    const third = await claimInstance(s.store, "a", "w4", at(50), { stalledBefore: at(45) });
    expect(await commitOne(s.store, episodeOp(third, at(50)), at(50))).toBe("ok");
    expect((await s.store.getInstance("a"))?.stalled).toBeUndefined();
  });

  it("a termination sent while the stalling episode ran keeps the instance claimable, so it can end", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    // Terminated while the episode that will stall runs (its claim saw no Terminate).
    await s.store.sendMessage("a", { type: "Terminate", reason: "bad deploy" }, at(5));
    expect(await commitOne(s.store, { type: "stall", instanceId: "a", leaseToken: item.leaseToken, code: "X", message: "m" }, at(10))).toBe("ok");
    // Even a worker started before the stall takes it, and gets the termination.
    const next = await claimInstance(s.store, "a", "w2", at(20), { stalledBefore: at(1) });
    expect(next.messages.map((m) => m.message.type)).toContain("Terminate");
  });

  it("a new message does not make a stalled instance claimable by a worker started before the stall", async () => {
    await s.store.createInstance(createRequest("a"), at(0));
    const item = await claimInstance(s.store, "a", "w1", at(0));
    expect(await commitOne(s.store, episodeOp(item, at(1)), at(1))).toBe("ok");
    await s.store.sendMessage("a", eventMessage("e1"), at(2));
    const second = await claimInstance(s.store, "a", "w1", at(3));
    expect(await commitOne(s.store, { type: "stall", instanceId: "a", leaseToken: second.leaseToken, code: "X", message: "m" }, at(4))).toBe("ok");
    await s.store.sendMessage("a", eventMessage("e2"), at(5));
    expect((await s.store.claim(orchestrationClaim("w1", at(6), { stalledBefore: at(3) }))).orchestrations).toEqual([]);
  });
});
