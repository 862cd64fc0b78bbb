/**
 * The engine waits for orchestration code to reach quiescence with afterMicrotasks(): it must
 * resolve only once every queued continuation (and each one those queue) has run, whatever
 * the calling context, or code between two durable calls would be cut short.
 */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/index.js";
import { activity } from "../../src/definitions/activity.js";
import { afterMicrotasks } from "../../src/support/microtasks.js";
import { EngineHarness } from "../helpers/engine-harness.js";
import { scheduleTasks } from "../engine/engine-kit.js";

/** Queues a chain of `depth` promise continuations; returns a flag set by the last one. */
function microtaskChain(depth: number): { done: boolean } {
  const state = { done: false };
  let chain = Promise.resolve();
  for (let i = 0; i < depth; i++) chain = chain.then(() => undefined);
  void chain.then(() => (state.done = true));
  return state;
}

async function drainedFrom(context: "macrotask" | "microtask" | "tick" | "timer"): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      const chain = microtaskChain(200);
      void afterMicrotasks().then(() => resolve(chain.done));
    };
    if (context === "macrotask") setImmediate(check);
    else if (context === "timer") setTimeout(check, 0);
    else if (context === "tick") process.nextTick(check);
    else queueMicrotask(check);
  });
}

describe("afterMicrotasks", () => {
  it.each(["macrotask", "timer", "microtask", "tick"] as const)("resolves after a 200-deep microtask chain queued from a %s", async (context) => {
    expect(await drainedFrom(context)).toBe(true);
  });

  it("orchestration code with many non-durable awaits between calls schedules every call in one episode", async () => {
    const step = activity("Step", async (n: number) => n);
    const deep = async (n: number): Promise<number> => {
      for (let i = 0; i < 50; i++) await Promise.resolve();
      return n;
    };
    const definition = orchestration("DeepAwaits", async (ctx) => {
      const first = ctx.callActivity(step, await deep(1));
      const second = ctx.callActivity(step, await deep(2));
      return (await first) + (await second);
    });
    const harness = new EngineHarness(definition);
    const result = await harness.episode({ type: "ExecutionStarted", name: "DeepAwaits", executionId: "e1" });
    expect(scheduleTasks(result).map((t) => t.input)).toEqual(["1", "2"]);
  });
});
