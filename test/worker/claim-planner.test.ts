/**
 * The claim planner asks for what the free slots allow, under this worker's lease terms, and
 * decides whether a group commit claims with it: always, except a lone episode that ends its
 * instance while the latest claim left nothing waiting.
 */
import { describe, expect, it } from "vitest";
import { activity, orchestration } from "../../src/index.js";
import { Registry } from "../../src/definitions/registry.js";
import type { EpisodeResult } from "../../src/engine/command.js";
import type { CommitOp, Store } from "../../src/store/store.js";
import { ClaimPlanner } from "../../src/worker/claim-planner.js";
import { Leaseholder } from "../../src/worker/leaseholder.js";
import { Slots } from "../../src/worker/slots.js";

const capped = activity("Capped", async () => 1, { concurrency: 2 });
const free = activity("Free", async () => 1);
const flow = orchestration("Flow", async () => 1);

function planner(): ClaimPlanner {
  const slots = new Slots({ episodes: 3, attempts: 4 });
  return new ClaimPlanner(slots, new Leaseholder({} as Store, 5_000), new Registry([capped, free, flow]), 50);
}

function episode(runtimeStatus: EpisodeResult["runtimeStatus"]): CommitOp {
  const result: EpisodeResult = { newEvents: [], commands: [], runtimeStatus };
  return { type: "episode", instanceId: "i", executionId: "e", leaseToken: "t", historyLengthBefore: 0, consumedMessageIds: [], result };
}

describe("ClaimPlanner", () => {
  it("asks for the free slots of each kind, for the names hosted, under the worker's lease", () => {
    const claims = planner();
    claims.stalledBefore = 123;
    const request = claims.request(1_000);
    expect(request.orchestrations).toMatchObject({ names: ["Flow"], limit: 3, leaseMs: 5_000, now: 1_000, stalledBefore: 123, maxMessages: 50 });
    expect(request.activities).toMatchObject({ names: ["Capped", "Free"], limit: 4, leaseMs: 5_000, now: 1_000, concurrency: { Capped: 2 } });
    expect(request.orchestrations.workerId).toBe(request.activities.workerId);
  });

  it("claims with every commit while the latest claim filled its limit", () => {
    const claims = planner();
    expect(claims.mayHaveMore).toBe(true);
    expect(claims.forCommit([episode("Completed")], 1)).toBeDefined();
  });

  it("claims nothing with a lone ending episode once the latest claim left nothing waiting", () => {
    const claims = planner();
    const request = claims.request(1);
    claims.answered(request, { orchestrations: [], activities: [] });
    expect(claims.mayHaveMore).toBe(false);
    expect(claims.forCommit([episode("Completed")], 2)).toBeUndefined();
    expect(claims.forCommit([episode("Failed")], 2)).toBeUndefined();
    expect(claims.forCommit([episode("Running")], 2)).toBeDefined();
    expect(claims.forCommit([episode("ContinuedAsNew")], 2)).toBeDefined();
    expect(claims.forCommit([episode("Completed"), episode("Completed")], 2)).toBeDefined();
  });
});
