/**
 * Type tests: checked by `tsc` (npm test runs the typecheck first). Each `@ts-expect-error`
 * fails the typecheck if the line below it ever compiles, so DESIGN's "compile error"
 * promises are pinned here.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  activity,
  orchestration,
  type ActivityContext,
  type BatonClient,
  type InstanceStatus,
  type OrchestrationContext,
  type Task,
  type TimerTask,
} from "../../src/index.js";

const processImage = activity("ProcessImage", async (file: string, ctx: ActivityContext) => {
  expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
  return { file, bytes: 1234 };
});
const count = activity("Count", async (items: string[]) => items.length);

describe("sub-orchestrations, continueAsNew and patches", () => {
  it("types sub-orchestration calls by their definitions", () => {
    const child = orchestration("TypedChild", async (_ctx, n: number) => ({ doubled: n * 2 }));
    orchestration("TypedParent", async (ctx) => {
      const result = await ctx.callSubOrchestrator(child, 21);
      expectTypeOf(result).toEqualTypeOf<{ doubled: number }>();
      // @ts-expect-error the child takes a number
      ctx.callSubOrchestrator(child, "21");
      const byName = await ctx.callSubOrchestrator<string>("Elsewhere", null, { instanceId: "x" });
      expectTypeOf(byName).toEqualTypeOf<string>();
      expectTypeOf(ctx.patched("change")).toEqualTypeOf<boolean>();
      expectTypeOf(ctx.continueAsNew({ next: 1 }, { preserveUnprocessedEvents: false })).toEqualTypeOf<void>();
      return result;
    });
  });
});

describe("types inferred from definitions", () => {
  it("types activity calls by their definitions", () => {
    const typed = orchestration("Typed", async (ctx, files: string[]) => {
      const one = await ctx.callActivity(processImage, "a.png");
      expectTypeOf(one).toEqualTypeOf<{ file: string; bytes: number }>();

      // @ts-expect-error processImage takes a string, not a number
      ctx.callActivity(processImage, 42);
      // @ts-expect-error the input is required
      ctx.callActivity(count);

      const n = await ctx.callActivity(count, files);
      expectTypeOf(n).toEqualTypeOf<number>();

      const byName = await ctx.callActivity<boolean>("SomeoneElsesActivity", { any: "input" });
      expectTypeOf(byName).toEqualTypeOf<boolean>();

      const both = await ctx.all([ctx.callActivity(processImage, "b"), ctx.callActivity(count, [])]);
      expectTypeOf(both).toEqualTypeOf<[{ file: string; bytes: number }, number]>();

      const mapped = await ctx.map(files, (f) => ctx.callActivity(processImage, f), { concurrency: 10 });
      expectTypeOf(mapped).toEqualTypeOf<{ file: string; bytes: number }[]>();

      const first = await ctx.any([ctx.callActivity(count, []), ctx.callActivity(count, ["x"])]);
      expectTypeOf(first).toEqualTypeOf<{ index: number; value: number }>();

      expectTypeOf(ctx.createTimer(new Date())).toEqualTypeOf<TimerTask>();
      expectTypeOf(ctx.sleep("5m")).toEqualTypeOf<TimerTask>();
      // @ts-expect-error not a duration string
      ctx.sleep("5 minutes");
      expectTypeOf(ctx.waitForExternalEvent<{ ok: boolean }>("Approval")).toEqualTypeOf<Task<{ ok: boolean }>>();
      expectTypeOf(ctx.currentUtcDateTime).toEqualTypeOf<Date>();
      return one.bytes + n;
    });
    expectTypeOf(typed.fn).parameter(0).toEqualTypeOf<OrchestrationContext>();
    expectTypeOf(typed.fn).parameter(1).toEqualTypeOf<string[]>();
  });

  it("types startNew input by the orchestration definition", () => {
    const hello = orchestration("Hello", async (_ctx, name: string) => `Hello ${name}`);
    const start = (client: BatonClient) => {
      void client.startNew(hello, { input: "Tokyo" });
      void client.startNew(hello);
      // @ts-expect-error Hello takes a string input
      void client.startNew(hello, { input: 42 });
      void client.startNew("Hello", { input: { anything: true } });
    };
    expectTypeOf(start).returns.toEqualTypeOf<void>();
    expectTypeOf<Awaited<ReturnType<BatonClient["waitForCompletion"]>>>().toEqualTypeOf<InstanceStatus<unknown>>();
  });

  it("rejects activities and orchestrations of the wrong shape", () => {
    // @ts-expect-error an activity must return a promise
    activity("Sync", (x: number) => x + 1);
    // @ts-expect-error an orchestration takes (ctx, input)
    orchestration("Backwards", async (input: string, ctx: OrchestrationContext) => input + ctx.instanceId);
  });
});
