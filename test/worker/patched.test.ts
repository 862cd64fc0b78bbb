/**
 * ctx.patched: code changed while instances are in flight. An instance that went past the
 * change with the old code keeps the old path on replay; a new instance (or one that had not
 * reached the change) takes the new path; the answer is recorded. The code really changes
 * between two batons on one store file.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton, type FunctionDefinition } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const calls: string[] = [];
const step = activity("Step", async (name: string) => {
  calls.push(name);
  return name;
});

// Version 1: prepare, wait for Go, ship.
const v1 = orchestration("Shop", async (ctx) => {
  const done = [await ctx.callActivity(step, "prepare")];
  await ctx.waitForExternalEvent("Go");
  done.push(await ctx.callActivity(step, "ship"));
  return done;
});

// Version 2: a check is added before shipping, behind a patch.
const v2 = orchestration("Shop", async (ctx) => {
  const done = [await ctx.callActivity(step, "prepare")];
  await ctx.waitForExternalEvent("Go");
  if (ctx.patched("check-before-ship")) done.push(await ctx.callActivity(step, "check"));
  done.push(await ctx.callActivity(step, "ship"));
  return done;
});

// Version 3: every old instance is gone; the check stays, the patch is deprecated.
const v3 = orchestration("Shop", async (ctx) => {
  const done = [await ctx.callActivity(step, "prepare")];
  await ctx.waitForExternalEvent("Go");
  ctx.deprecatePatch("check-before-ship");
  done.push(await ctx.callActivity(step, "check"));
  done.push(await ctx.callActivity(step, "ship"));
  return done;
});

// Version 2 with the change placed before the wait, where an old instance has already been.
const v2early = orchestration("Shop", async (ctx) => {
  const done = [await ctx.callActivity(step, "prepare")];
  if (ctx.patched("audit")) done.push(await ctx.callActivity(step, "audit"));
  await ctx.waitForExternalEvent("Go");
  done.push(await ctx.callActivity(step, "ship"));
  return done;
});

async function baton(store: string, shop: FunctionDefinition, cache = 10_000): Promise<Baton> {
  const b = await createBaton({ store, functions: [step, shop], logger: quiet, maxCachedOrchestrations: cache });
  batons.push(b);
  await b.start();
  return b;
}

async function waitingForGo(b: Baton, id: string): Promise<void> {
  await expect.poll(async () => (await b.client.getStatus(id, { showHistory: true }))!.history!.some((e) => e.type === "TaskCompleted"), { timeout: 10_000 }).toBe(true);
}

async function stopped(b: Baton): Promise<void> {
  await b.stop();
  batons.splice(batons.indexOf(b), 1);
}

describe("ctx.patched after a change of code", () => {
  it.each([10_000, 0])("keeps the old path for an instance that passed the change, takes the new one for new instances (cache %i)", async (cache) => {
    const store = tempStoreUrl();
    const old = await baton(store, v1, cache);
    const before = await old.client.startNew("Shop", { instanceId: "before-deploy" });
    await waitingForGo(old, before); // past "prepare", where the audit now goes
    await stopped(old);

    const deployed = await baton(store, v2early, cache);
    const after = await deployed.client.startNew("Shop", { instanceId: "after-deploy" });
    await waitingForGo(deployed, after);
    await deployed.client.raiseEvent(before, "Go");
    await deployed.client.raiseEvent(after, "Go");
    expect((await deployed.client.waitForCompletion(before, { timeout: 10_000 })).output).toEqual(["prepare", "ship"]);
    expect((await deployed.client.waitForCompletion(after, { timeout: 10_000 })).output).toEqual(["prepare", "audit", "ship"]);
    const history = (await deployed.client.getStatus(after, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "PatchApplied")).toMatchObject([{ changeId: "audit" }]);
    const oldHistory = (await deployed.client.getStatus(before, { showHistory: true }))!.history!;
    expect(oldHistory.some((e) => e.type === "PatchApplied")).toBe(false);
  });

  it("takes the new path for an old instance that had not reached the change yet", async () => {
    const store = tempStoreUrl();
    const old = await baton(store, v1);
    const id = await old.client.startNew("Shop");
    await waitingForGo(old, id);
    await stopped(old);
    // The check comes after the wait, which the instance has not passed: nothing recorded contradicts it.
    const deployed = await baton(store, v2, 0);
    await deployed.client.raiseEvent(id, "Go");
    expect((await deployed.client.waitForCompletion(id, { timeout: 10_000 })).output).toEqual(["prepare", "check", "ship"]);
  });

  it("deprecatePatch replays histories recorded with the patch and keeps recording it", async () => {
    const store = tempStoreUrl();
    const withPatch = await baton(store, v2);
    const id = await withPatch.client.startNew("Shop");
    await waitingForGo(withPatch, id);
    await stopped(withPatch);
    const cleaned = await baton(store, v3, 0);
    await cleaned.client.raiseEvent(id, "Go");
    expect((await cleaned.client.waitForCompletion(id, { timeout: 10_000 })).output).toEqual(["prepare", "check", "ship"]);
    const fresh = await cleaned.client.startNew("Shop");
    await waitingForGo(cleaned, fresh);
    await cleaned.client.raiseEvent(fresh, "Go");
    await cleaned.client.waitForCompletion(fresh, { timeout: 10_000 });
    const history = (await cleaned.client.getStatus(fresh, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "PatchApplied")).toHaveLength(1);
  });

  it("rejects a change id that is not a non-empty string inside the orchestration", async () => {
    const bad = orchestration("BadPatch", async (ctx) => {
      try {
        ctx.patched("");
        return "accepted";
      } catch (error) {
        return (error as Error).name;
      }
    });
    const b = await createBaton({ store: tempStoreUrl(), functions: [bad], logger: quiet });
    batons.push(b);
    await b.start();
    const id = await b.client.startNew(bad);
    expect((await b.client.waitForCompletion(id, { timeout: 10_000 })).output).toBe("InvalidArgumentError");
  });
});
