/**
 * close(): writes already accepted still land; later calls reject. The client writes reject with
 * ClosedError; the other methods of the SQLite store reject too, but with the driver's own
 * error (see the report of this suite), so only a rejection is asserted for them.
 */
import { describe, expect, it } from "vitest";
import { ClosedError } from "../../../src/errors.js";
import type { Store } from "../../../src/store/store.js";
import { activityClaim, at, createRequest, eventMessage, orchestrationClaim } from "./ops.js";
import { STORE_FACTORIES, useStore } from "./store-factory.js";

describe.each(STORE_FACTORIES)("store conformance ($name): close", (factory) => {
  const s = useStore(factory);

  it("a write made before close() is committed before the store closes", async () => {
    const pending = s.store.createInstance(createRequest("a"), at(0));
    await s.store.close();
    await expect(pending).resolves.toBeUndefined();
  });

  it("close() twice resolves", async () => {
    await s.store.close();
    await expect(s.store.close()).resolves.toBeUndefined();
  });

  const clientWrites: [string, (store: Store) => Promise<unknown>][] = [
    ["createInstance", (store) => store.createInstance(createRequest("b"), at(1))],
    ["sendMessage", (store) => store.sendMessage("a", eventMessage("e"), at(1))],
    ["purgeInstance", (store) => store.purgeInstance("a")],
    ["rewindInstance", (store) => store.rewindInstance("a", undefined, at(1))],
    ["restartInstance", (store) => store.restartInstance("a", "exec-2", at(1))],
  ];
  it.each(clientWrites)("%s after close() rejects with ClosedError", async (_name, call) => {
    await s.store.createInstance(createRequest("a"), at(0));
    await s.store.close();
    await expect(call(s.store)).rejects.toBeInstanceOf(ClosedError);
  });

  const others: [string, (store: Store) => Promise<unknown>][] = [
    ["getInstance", (store) => store.getInstance("a")],
    ["getHistory", (store) => store.getHistory("a")],
    ["runtimeStatuses", (store) => store.runtimeStatuses(["a"])],
    ["listInstances", (store) => store.listInstances({ pageSize: 10 })],
    // A client write, but SQLite prepares its statement before its ClosedError check.
    ["purgeInstances", (store) => store.purgeInstances({}, 10)],
    ["claim (orchestrations)", (store) => store.claim(orchestrationClaim("w", at(1)))],
    ["claim (activities)", (store) => store.claim(activityClaim("w", at(1)))],
    ["renewLeases", (store) => store.renewLeases([{ instanceId: "a", leaseToken: "t" }], ["t"], at(1), 1000)],
    ["commit", (store) => store.commit([{ type: "releaseInstance", instanceId: "a", leaseToken: "t" }], at(1))],
    ["nextVisibleAt", (store) => store.nextVisibleAt(["Orch"], ["Act"], at(1))],
    ["announceFunctions", (store) => store.announceFunctions("w", { activities: ["Act"], orchestrations: ["Orch"] }, at(1))],
    ["knownFunctions", (store) => store.knownFunctions()],
    ["workerAlive", (store) => store.workerAlive("w", { activities: [], orchestrations: ["Orch"] }, 1000, at(1))],
    ["workerStopped", (store) => store.workerStopped("w")],
    ["unhostedWork", (store) => store.unhostedWork("a", at(1))],
    ["pendingWork", (store) => store.pendingWork("a", at(1), 10)],
  ];
  it.each(others)("%s after close() rejects", async (_name, call) => {
    await s.store.createInstance(createRequest("a"), at(0));
    await s.store.close();
    await expect(call(s.store)).rejects.toThrow();
  });
});
