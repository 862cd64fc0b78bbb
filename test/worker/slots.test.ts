/**
 * Slots count what the worker runs at once, per kind: free slots, the hand-over to work claimed
 * with a commit (the slots of the work the batch ends count as free), and what a claim's
 * answer brings beyond the room left (handed back).
 */
import { describe, expect, it } from "vitest";
import type { ActivityWorkItem, ClaimedWork, CommitOp, OrchestrationWorkItem } from "../../src/store/store.js";
import { AttemptAbort } from "../../src/worker/attempt-abort.js";
import { Slots } from "../../src/worker/slots.js";

function item(leaseToken: string): OrchestrationWorkItem {
  return { instanceId: `i-${leaseToken}`, name: "O", executionId: "e", historyLength: 0, leaseToken, messages: [] };
}

function task(leaseToken: string): ActivityWorkItem {
  return {
    instanceId: `i-${leaseToken}`,
    executionId: "e",
    seq: 0,
    name: "A",
    input: undefined,
    attempt: 1,
    idempotencyKey: leaseToken,
    retry: null,
    firstVisibleAt: 0,
    leaseToken,
  };
}

function holdAttempt(slots: Slots, leaseToken: string): void {
  slots.holdAttempt({ task: task(leaseToken), abort: new AttemptAbort(), done: Promise.resolve() });
}

const releaseInstance = (leaseToken: string): CommitOp => ({ type: "releaseInstance", instanceId: `i-${leaseToken}`, leaseToken });
const releaseActivity = (leaseToken: string): CommitOp => ({ type: "releaseActivity", task: task(leaseToken) });
const claimed = (episodes: string[], attempts: string[]): ClaimedWork => ({ orchestrations: episodes.map(item), activities: attempts.map(task) });

describe("Slots", () => {
  it("counts free slots per kind as capacity less the work held", () => {
    const slots = new Slots({ episodes: 2, attempts: 3 });
    expect(slots.free()).toEqual({ episodes: 2, attempts: 3 });
    slots.holdEpisode(item("e1"));
    holdAttempt(slots, "a1");
    holdAttempt(slots, "a2");
    expect(slots.free()).toEqual({ episodes: 1, attempts: 1 });
    slots.releaseAttempt("a1");
    slots.releaseEpisode("e1");
    expect(slots.free()).toEqual({ episodes: 2, attempts: 2 });
  });

  it("counts as free the slots of the work a landing batch ends, not of work that never held one", () => {
    const slots = new Slots({ episodes: 1, attempts: 1 });
    slots.holdEpisode(item("e1"));
    holdAttempt(slots, "a1");
    expect(slots.free([releaseInstance("e1"), releaseActivity("a1")])).toEqual({ episodes: 1, attempts: 1 });
    expect(slots.free([releaseInstance("other"), releaseActivity("other")])).toEqual({ episodes: 0, attempts: 0 });
  });

  it("admits what fits and hands back the rest", () => {
    const slots = new Slots({ episodes: 2, attempts: 1 });
    slots.holdEpisode(item("e1"));
    const { fits, handBack } = slots.admit(claimed(["e2", "e3"], ["a1", "a2"]), [], true);
    expect(fits.orchestrations.map((w) => w.leaseToken)).toEqual(["e2"]);
    expect(fits.activities.map((t) => t.leaseToken)).toEqual(["a1"]);
    expect(handBack.orchestrations.map((w) => w.leaseToken)).toEqual(["e3"]);
    expect(handBack.activities.map((t) => t.leaseToken)).toEqual(["a2"]);
  });

  it("admits into the slot a landing batch frees: the hand-over", () => {
    const slots = new Slots({ episodes: 1, attempts: 1 });
    slots.holdEpisode(item("e1"));
    const { fits, handBack } = slots.admit(claimed(["e2"], []), [releaseInstance("e1")], true);
    expect(fits.orchestrations.map((w) => w.leaseToken)).toEqual(["e2"]);
    expect(handBack.orchestrations).toEqual([]);
  });

  it("admits nothing once closed (the worker stops)", () => {
    const slots = new Slots({ episodes: 5, attempts: 5 });
    const { fits, handBack } = slots.admit(claimed(["e1"], ["a1"]), [], false);
    expect(fits).toEqual({ orchestrations: [], activities: [] });
    expect(handBack.orchestrations).toHaveLength(1);
    expect(handBack.activities).toHaveLength(1);
  });

  it("offers an inline attempt a slot only while one is free", () => {
    const slots = new Slots({ episodes: 1, attempts: 1 });
    expect(slots.hasFreeAttemptSlot()).toBe(true);
    holdAttempt(slots, "a1");
    expect(slots.hasFreeAttemptSlot()).toBe(false);
    expect(slots.attempt("a1")?.task.leaseToken).toBe("a1");
    expect([...slots.heldAttempts()]).toHaveLength(1);
  });
});
