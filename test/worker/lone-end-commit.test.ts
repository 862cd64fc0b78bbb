/**
 * A lone episode that ends its instance, when the worker's last claim left nothing waiting,
 * commits without claiming new work in the same transaction: it queues nothing, and new work
 * wakes the worker anyway. When the last claim filled the worker's limit (work may be waiting),
 * every commit claims with it, so the next instance is taken over without a claim of its own.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import type { CommitOp, WorkClaim } from "../../src/store/store.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";

const addOne = activity("LoneAddOne", async (n: number) => n + 1);
const chain = orchestration("LoneChain", async (ctx, n: number) => ctx.callActivity(addOne, await ctx.callActivity(addOne, n)));

const batons: Baton[] = [];
afterEach(async () => {
  await Promise.all(batons.splice(0).map((baton) => baton.stop()));
  vi.restoreAllMocks();
});

/** The claim that went with each commit of a single episode that completed its instance. */
function endCommitClaims(commit: { mock: { calls: unknown[][] } }): (WorkClaim | undefined)[] {
  return commit.mock.calls
    .filter(([ops]) => {
      const batch = ops as readonly CommitOp[];
      return batch.length === 1 && batch[0]!.type === "episode" && batch[0]!.result.runtimeStatus === "Completed";
    })
    .map((args) => args[2] as WorkClaim | undefined);
}

describe("a lone episode that ends its instance", () => {
  it("commits without a claim when nothing waits, and work started later is still picked up", async () => {
    const commit = vi.spyOn(TestStore.prototype, "commit");
    const baton = await createBaton({ store: tempStoreUrl(), functions: [addOne, chain], logger: quiet });
    batons.push(baton);
    await baton.start();
    for (const input of [1, 10]) {
      const id = await baton.client.startNew(chain, { input });
      expect((await baton.client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(input + 2);
    }
    const claims = endCommitClaims(commit);
    expect(claims).toHaveLength(2);
    expect(claims).toEqual([undefined, undefined]);
  });

  it("claims with its commit while the worker's last claim filled its limit", async () => {
    const commit = vi.spyOn(TestStore.prototype, "commit");
    const baton = await createBaton({ store: tempStoreUrl(), functions: [addOne, chain], maxConcurrentOrchestrations: 1, logger: quiet });
    batons.push(baton);
    const ids = await Promise.all([1, 2, 3].map((input) => baton.client.startNew(chain, { input })));
    await baton.start();
    const done = await Promise.all(ids.map((id) => baton.client.waitForCompletion(id, { timeout: 10_000 })));
    expect(done.map((status) => status.output)).toEqual([3, 4, 5]);
    const claims = endCommitClaims(commit);
    expect(claims).toHaveLength(3);
    expect(claims.every((claim) => claim !== undefined && claim.orchestrations.limit === 1)).toBe(true);
  });
});
