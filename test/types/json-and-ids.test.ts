/**
 * Type tests (checked by `tsc`): instance ids that carry their orchestration's output type,
 * outputs typed as JSON delivers them, and input types JSON cannot carry rejected where they
 * are declared. The wording of those compile errors is pinned in diagnostics.test.ts.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  activity,
  orchestration,
  type BatonClient,
  type InputOf,
  type InstanceId,
  type InstanceStatus,
  type Jsonified,
  type OutputOf,
} from "../../src/index.js";

const stamp = activity("Stamp", async (label: string) => ({ label, at: new Date(), tags: new Set([label]) }));
const report = orchestration("Report", async (ctx, day: string) => {
  const stamped = await ctx.callActivity(stamp, day);
  return { day, stampedAt: stamped.at, count: 1n > 0n ? 1 : 0 };
});

describe("instance ids typed by their orchestration", () => {
  it("startNew gives an InstanceId<Out>, a string that waitForCompletion and getStatus read the output type from", async () => {
    const run = async (client: BatonClient) => {
      const id = await client.startNew(report, { input: "2026-01-01" });
      expectTypeOf(id).toEqualTypeOf<InstanceId<{ day: string; stampedAt: string; count: number }>>();
      const asString: string = id;
      const done = await client.waitForCompletion(id, { timeout: "1m" });
      expectTypeOf(done.output).toEqualTypeOf<{ day: string; stampedAt: string; count: number } | undefined>();
      const status = await client.getStatus(id);
      expectTypeOf(status).toEqualTypeOf<InstanceStatus<{ day: string; stampedAt: string; count: number }> | null>();
      return asString;
    };
    expectTypeOf(run).returns.resolves.toEqualTypeOf<string>();
  });

  it("a plain string id gives unknown, an explicit generic still works, and a definition types an id from elsewhere", async () => {
    const run = async (client: BatonClient, fromUrl: string) => {
      expectTypeOf((await client.waitForCompletion(fromUrl)).output).toEqualTypeOf<unknown>();
      expectTypeOf((await client.waitForCompletion<number>(fromUrl)).output).toEqualTypeOf<number | undefined>();
      expectTypeOf((await client.waitForCompletion(report, fromUrl)).output).toEqualTypeOf<{ day: string; stampedAt: string; count: number } | undefined>();
      expectTypeOf((await client.getStatus(report, fromUrl, { showHistory: true }))?.output).toEqualTypeOf<
        { day: string; stampedAt: string; count: number } | undefined
      >();
      const byName = await client.startNew("Report", { input: "2026-01-01" });
      expectTypeOf(byName).toEqualTypeOf<InstanceId<unknown>>();
      // @ts-expect-error the definition comes first, the id second
      void client.waitForCompletion(fromUrl, report);
    };
    expectTypeOf(run).returns.resolves.toEqualTypeOf<void>();
  });

  it("ids are assignable by output type: a plain string to any InstanceId, not one output to another", () => {
    const plain: InstanceId<number> = "order-42";
    const wider: InstanceId = plain;
    // @ts-expect-error an id of an orchestration returning a number is not one returning a string
    const other: InstanceId<string> = plain;
    expectTypeOf([wider, other]).items.toMatchTypeOf<string>();
  });
});

describe("outputs typed as JSON delivers them", () => {
  it("an activity's Date arrives in the orchestration as a string, a Set as {}", () => {
    orchestration("Reader", async (ctx) => {
      const stamped = await ctx.callActivity(stamp, "x");
      expectTypeOf(stamped).toEqualTypeOf<{ label: string; at: string; tags: Record<string, never> }>();
      return stamped.label;
    });
  });

  it("a child's output arrives the same way, and OutputOf names it", () => {
    orchestration("Parent", async (ctx) => {
      const child = await ctx.callSubOrchestrator(report, "2026-01-01");
      expectTypeOf(child).toEqualTypeOf<OutputOf<typeof report>>();
      expectTypeOf(child.stampedAt).toEqualTypeOf<string>();
      return child.count;
    });
    expectTypeOf<InputOf<typeof report>>().toEqualTypeOf<string>();
    expectTypeOf<InputOf<typeof stamp>>().toEqualTypeOf<string>();
  });

  it("Jsonified follows JSON.stringify: undefined keys optional, functions dropped, array holes null, top-level undefined kept", () => {
    class Point {
      constructor(readonly x: number) {}
      norm(): number {
        return Math.abs(this.x);
      }
    }
    expectTypeOf<Jsonified<{ a: string | undefined; b?: Date; f: () => void; p: Point }>>().toEqualTypeOf<{
      a?: string;
      b?: string;
      p: { readonly x: number };
    }>();
    expectTypeOf<Jsonified<(string | undefined)[]>>().toEqualTypeOf<(string | null)[]>();
    expectTypeOf<Jsonified<[Date, number]>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<Jsonified<Map<string, number>>>().toEqualTypeOf<Record<string, never>>();
    expectTypeOf<Jsonified<string | undefined>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Jsonified<bigint>>().toEqualTypeOf<never>();
    expectTypeOf<Jsonified<unknown>>().toEqualTypeOf<unknown>();
    expectTypeOf<Jsonified<Record<string, Date>>>().toEqualTypeOf<{ [key: string]: string }>();
  });
});

describe("input types JSON cannot carry are compile errors where they are declared", () => {
  it("rejects a Date, a Map, a Set, a bigint or a class instance with methods as an activity's input", () => {
    // @ts-expect-error a Date arrives as a string
    activity("AtDate", async (at: Date) => at.getTime());
    // @ts-expect-error nested too
    activity("Nested", async (input: { when: Date; n: number }) => input.n);
    // @ts-expect-error a Map arrives as {}
    activity("WithMap", async (input: Map<string, number>) => input.size);
    // @ts-expect-error a Set arrives as {}
    activity("WithSet", async (input: { ids: Set<string> }) => input.ids.size);
    // @ts-expect-error bigint cannot be sent
    activity("Big", async (input: bigint) => input.toString());
    class Money {
      constructor(readonly cents: number) {}
      format(): string {
        return `${this.cents / 100}`;
      }
    }
    // @ts-expect-error a class instance arrives without its methods
    activity("WithClass", async (input: Money) => input.format());
  });

  it("rejects them as an orchestration's input and as event data", () => {
    // @ts-expect-error a Date arrives as a string
    orchestration("Dated", async (_ctx, at: Date) => at.toISOString());
    orchestration("Waits", async (ctx) => {
      // @ts-expect-error event data arrives through JSON
      await ctx.waitForExternalEvent<{ at: Date }>("Approved");
      const approved = await ctx.waitForExternalEvent<{ at: string; by?: string }>("Approved");
      return approved.at;
    });
  });

  it("accepts what JSON carries: primitives, arrays, plain objects, optional keys, unknown, no input", () => {
    activity("Plain", async (input: { id: string; n?: number; tags: string[]; nested: { ok: boolean | null } }) => input.id);
    activity("Anything", async (input: unknown) => input);
    activity("NoInput", async () => 1);
    orchestration("Tuple", async (_ctx, pair: [string, number]) => pair[1]);
    type Tree = { value: number; children: Tree[] };
    activity("Recursive", async (tree: Tree) => tree.value);
  });
});

describe("wrong inputs are reported against the definition", () => {
  it("rejects a wrong input by definition and keeps by-name calls free", () => {
    orchestration("Caller", async (ctx) => {
      // @ts-expect-error Stamp takes a string
      ctx.callActivity(stamp, 42);
      // @ts-expect-error Report takes a string
      ctx.callSubOrchestrator(report, { day: 1 });
      const byName = await ctx.callActivity<{ at: Date }>("Elsewhere", { any: "input" });
      expectTypeOf(byName).toEqualTypeOf<{ at: string }>();
      return byName.at;
    });
    const start = (client: BatonClient) => {
      // @ts-expect-error Report takes a string
      void client.startNew(report, { input: 7 });
      void client.startNew(report, { input: "2026-01-01", instanceId: "report-1" });
    };
    expectTypeOf(start).returns.toEqualTypeOf<void>();
  });
});
