/** The live-run cache is bounded by count and by approximate size, evicting least recently used runs. */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/index.js";
import { RunCache } from "../../src/worker/run-cache.js";
import type { OrchestrationRun } from "../../src/engine/orchestration-run.js";
import { newRun } from "../helpers/engine-harness.js";

const noop = orchestration("Noop", async () => undefined);

function runOf(bytes: number, historyLength = 0): OrchestrationRun {
  const run = newRun(noop);
  run.approxBytes = bytes;
  run.historyLength = historyLength;
  return run;
}

describe("RunCache", () => {
  it("evicts the least recently put runs past the byte bound", () => {
    const cache = new RunCache(100, 1000);
    cache.put("a", runOf(400));
    cache.put("b", runOf(400));
    cache.put("c", runOf(400)); // 1,200 > 1,000: "a" goes
    expect(cache.size).toEqual({ runs: 2, bytes: 800 });
    expect(cache.take("a", "", 0)).toBeUndefined();
    expect(cache.take("b", "", 0)).toBeDefined();
    expect(cache.size).toEqual({ runs: 1, bytes: 400 });
  });

  it("evicts past the count bound", () => {
    const cache = new RunCache(2, 1e9);
    for (const id of ["a", "b", "c"]) cache.put(id, runOf(10));
    expect(cache.size.runs).toBe(2);
    expect(cache.take("a", "", 0)).toBeUndefined();
  });

  it("does not keep a run larger than the whole bound, and keeps the others", () => {
    const cache = new RunCache(100, 1000);
    cache.put("small", runOf(100));
    cache.put("huge", runOf(5000));
    expect(cache.size).toEqual({ runs: 1, bytes: 100 });
    expect(cache.take("huge", "", 0)).toBeUndefined();
  });

  it("counts a run put again at its new size, once", () => {
    const cache = new RunCache(100, 1000);
    const run = runOf(100);
    cache.put("a", run);
    run.approxBytes = 300;
    cache.put("a", run);
    expect(cache.size).toEqual({ runs: 1, bytes: 300 });
    cache.evict("a", run);
    expect(cache.size).toEqual({ runs: 0, bytes: 0 });
  });

  it("gives a run back only at the history length it was put at", () => {
    const cache = new RunCache(100, 1000);
    cache.put("a", runOf(10, 5));
    expect(cache.take("a", "", 6)).toBeUndefined();
    expect(cache.size.runs).toBe(0);
  });
});

describe("OrchestrationRun.approxBytes", () => {
  it("grows with the payloads the run applies", async () => {
    const echo = orchestration("Echo", async (_ctx, input: string) => input);
    const small = newRun(echo);
    await small.runEpisode([{ type: "ExecutionStarted", name: "Echo", executionId: "e", input: JSON.stringify("x") }], 1);
    const large = newRun(echo);
    await large.runEpisode([{ type: "ExecutionStarted", name: "Echo", executionId: "e", input: JSON.stringify("x".repeat(10_000)) }], 1);
    expect(small.approxBytes).toBeGreaterThan(0);
    expect(large.approxBytes - small.approxBytes).toBeGreaterThanOrEqual(2 * 9_999); // UTF-16: two bytes a character
  });
});
