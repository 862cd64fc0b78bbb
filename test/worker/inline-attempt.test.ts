/**
 * An inline attempt's course: consumed by its episode (its slot frees at once, nothing else is
 * committed), handed off (its outcome is committed once the episode has landed and the attempt
 * finished), or dropped (the episode did not land: nothing is committed).
 */
import { setLongTimeout } from "../../src/support/long-timeout.js";
import { describe, expect, it } from "vitest";
import { activity } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { Registry } from "../../src/definitions/registry.js";
import type { ActivityWorkItem, CommitOp } from "../../src/store/store.js";
import type { ActivityRunnerDeps } from "../../src/worker/activity-runner.js";
import type { Committer } from "../../src/worker/committer.js";
import { InlineAttempt } from "../../src/worker/inline-attempt.js";

const double = activity("Double", async (n: number) => n * 2);

const task: ActivityWorkItem = {
  instanceId: "i",
  executionId: "e",
  seq: 1,
  name: "Double",
  input: "21",
  attempt: 1,
  idempotencyKey: "k",
  retry: null,
  firstVisibleAt: 0,
  leaseToken: "t",
};

function start(): { attempt: InlineAttempt; submitted: CommitOp[]; slotFrees: () => number } {
  const submitted: CommitOp[] = [];
  const committer = { submit: async (op: CommitOp) => (submitted.push(op), "ok" as const) } as unknown as Committer;
  const deps: ActivityRunnerDeps = { registry: new Registry([double]), committer, logger: silentLogger, maxPayloadBytes: 1 << 20, now: () => 0, setTimer: setLongTimeout, workerId: "w" };
  let frees = 0;
  const attempt = new InlineAttempt(task, deps, () => frees++);
  return { attempt, submitted, slotFrees: () => frees };
}

describe("InlineAttempt", () => {
  it("when consumed, frees its slot at once and commits nothing of its own", async () => {
    const { attempt, submitted, slotFrees } = start();
    expect(await attempt.finished).toMatchObject({ type: "activityCompleted", output: "42" });
    attempt.consume();
    expect(slotFrees()).toBe(1);
    attempt.afterEpisode(Promise.resolve(true));
    await attempt.done;
    expect(submitted).toEqual([]);
  });

  it("when handed off, commits its outcome after the episode landed", async () => {
    const { attempt, submitted, slotFrees } = start();
    await attempt.finished;
    expect(submitted).toEqual([]);
    attempt.afterEpisode(Promise.resolve(true));
    await attempt.done;
    expect(submitted).toEqual([attempt.outcome]);
    expect(slotFrees()).toBe(1);
  });

  it("when its episode did not land, commits nothing and frees its slot", async () => {
    const { attempt, submitted, slotFrees } = start();
    attempt.afterEpisode(false);
    await attempt.done;
    expect(submitted).toEqual([]);
    expect(slotFrees()).toBe(1);
  });
});
