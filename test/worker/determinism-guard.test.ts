/**
 * The determinism guard (`determinismGuard: true`): inside orchestration code, the clock,
 * randomness and timers throw NondeterministicCallError naming the ctx replacement, and the
 * episode stalls (even when the code catches the error). Activities, inline or queued, the
 * test itself and a baton without the guard in the same process are untouched.
 */
import nodeCrypto, { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  InvalidArgumentError,
  NondeterministicCallError,
  orchestration,
  type Baton,
  type BatonOptions,
  type Logger,
} from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus, waitUntil } from "../helpers/wait.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

async function newBaton(options: Partial<BatonOptions> & Pick<BatonOptions, "functions">): Promise<Baton> {
  const baton = await createBaton({ store: tempStoreUrl(), logger: quiet, pollIntervalMs: 20, ...options });
  batons.push(baton);
  await baton.start();
  return baton;
}

/** Every guarded call, as orchestration code would make it, and the replacement its error names. */
const CALLS: Record<string, [() => unknown, string]> = {
  "Date.now()": [() => Date.now(), "ctx.currentUtcDateTime"],
  "new Date()": [() => new Date(), "ctx.currentUtcDateTime"],
  "Date()": [() => (Date as unknown as () => string)(), "ctx.currentUtcDateTime"],
  "Math.random()": [() => Math.random(), "ctx.random()"],
  "crypto.randomUUID()": [() => globalThis.crypto.randomUUID(), "ctx.newGuid()"],
  "randomUUID()": [() => randomUUID(), "ctx.newGuid()"],
  "performance.now()": [() => performance.now(), "ctx.currentUtcDateTime"],
  "setTimeout()": [() => setTimeout(() => undefined, 0), "ctx.createTimer() or ctx.sleep()"],
  "setInterval()": [() => setInterval(() => undefined, 1000), "ctx.createTimer() in a loop"],
  "setImmediate()": [() => setImmediate(() => undefined), "ctx.sleep()"],
};

/** node:crypto's default export is the module object: reached through it, randomUUID is guarded too. */
const viaModule = (): string => nodeCrypto.randomUUID();

/** Makes every guarded call and returns what each gave (a timer is cleared at once). */
function callEverything(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, [call]] of Object.entries(CALLS)) {
    const value = call();
    if (name === "setTimeout()" || name === "setInterval()") clearTimeout(value as NodeJS.Timeout);
    if (name === "setImmediate()") clearImmediate(value as NodeJS.Immediate);
    out[name] = typeof value;
  }
  out["nodeCrypto.randomUUID()"] = typeof viaModule();
  return out;
}

const EXPECTED_TYPES = {
  "Date.now()": "number",
  "new Date()": "object",
  "Date()": "string",
  "Math.random()": "number",
  "crypto.randomUUID()": "string",
  "randomUUID()": "string",
  "performance.now()": "number",
  "setTimeout()": "object",
  "setInterval()": "object",
  "setImmediate()": "object",
  "nodeCrypto.randomUUID()": "string",
};

const noop = activity("Noop", async (_: null) => "ok");

/** What the probes caught, by instance id: the error the guarded call threw at its call site. */
const caught = new Map<string, unknown>();

const probe = orchestration("Probe", async (ctx, input: { call: string; afterAwait: boolean }) => {
  if (input.afterAwait) await ctx.callActivity(noop, null);
  const [call] = CALLS[input.call] ?? [viaModule];
  try {
    call();
  } catch (error) {
    caught.set(ctx.instanceId, error);
  }
  return "went on";
});

describe("the determinism guard", () => {
  it("throws at each guarded call in orchestration code, before and after an await, and stalls the episode", async () => {
    const baton = await newBaton({ functions: [noop, probe], determinismGuard: true });
    const cases = [...Object.entries(CALLS).map(([name, [, replacement]]) => [name, replacement] as const), ["randomUUID()", "ctx.newGuid()"] as const];
    const ids: [string, string, string][] = [];
    for (const [index, [name, replacement]] of cases.entries()) {
      // The last case reaches randomUUID through node:crypto's module object.
      const call = index === cases.length - 1 ? "via module" : name;
      for (const afterAwait of [false, true]) {
        const id = await baton.client.startNew(probe, { input: { call, afterAwait } });
        ids.push([id, name, replacement]);
      }
    }
    for (const [id, name, replacement] of ids) {
      const stalled = await waitUntil(async () => {
        const status = await baton.client.getStatus(id);
        return status?.stalled ? status : undefined;
      }, `instance ${id} (${name}) to stall`);
      const message = `${name} inside orchestration "Probe" is not deterministic: use ${replacement}`;
      expect(["Pending", "Running"]).toContain(stalled.runtimeStatus); // stalled at its first episode, or later
      expect(stalled.failureDetails).toBeUndefined();
      expect(stalled.stalled?.code).toBe("NONDETERMINISTIC_CALL");
      expect(stalled.stalled?.message).toContain(message);
      const error = caught.get(id);
      expect(error).toBeInstanceOf(NondeterministicCallError);
      expect((error as NondeterministicCallError).code).toBe("NONDETERMINISTIC_CALL");
      expect((error as Error).message).toBe(message);
    }
  });

  it("leaves activities alone, inline and queued", async () => {
    const clocky = activity("Clocky", async (_: null) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return callEverything();
    });
    const flow = orchestration("CallsClocky", async (ctx) => ctx.callActivity(clocky, null));
    for (const inlineActivities of [true, false]) {
      const baton = await newBaton({ functions: [clocky, flow], determinismGuard: true, inlineActivities });
      const id = await baton.client.startNew(flow);
      const done = await waitForStatus(baton.client, id, ["Completed", "Failed"]);
      expect(done.stalled).toBeUndefined();
      expect(done.output).toEqual(EXPECTED_TYPES);
    }
  });

  it("allows new Date(x), Date.UTC, Date.parse, instanceof and subclasses of Date inside, and ctx.log reaches a logger that reads the clock", async () => {
    const logged: number[] = [];
    const clockLogger: Logger = { ...quiet, info: () => void logged.push(Date.now()) };
    const dates = orchestration("Dates", async (ctx) => {
      await ctx.callActivity(noop, null);
      class Day extends Date {}
      ctx.log.info("after the activity");
      return {
        epoch: new Date(0).toISOString(),
        utc: Date.UTC(2024, 0, 2),
        parsed: Date.parse("2024-01-02T00:00:00Z"),
        now: ctx.currentUtcDateTime instanceof Date,
        day: new Day(0) instanceof Date,
        random: typeof ctx.random(),
        guid: typeof ctx.newGuid(),
      };
    });
    const baton = await newBaton({ functions: [noop, dates], determinismGuard: true, logger: clockLogger });
    const id = await baton.client.startNew(dates);
    const done = await waitForStatus(baton.client, id, ["Completed", "Failed"]);
    expect(done.stalled).toBeUndefined();
    expect(done.output).toEqual({
      epoch: "1970-01-01T00:00:00.000Z",
      utc: Date.UTC(2024, 0, 2),
      parsed: Date.UTC(2024, 0, 2),
      now: true,
      day: true,
      random: "number",
      guid: "string",
    });
    expect(logged.length).toBeGreaterThan(0);
  });

  it("leaves the code around it alone: the test itself and a baton without the guard, running at the same time", async () => {
    const reads = orchestration("ReadsTheClock", async (ctx) => {
      const seen: string[] = [];
      for (let step = 0; step < 5; step++) {
        seen.push(typeof Date.now(), typeof Math.random(), typeof new Date().getTime());
        await ctx.callActivity(noop, null);
      }
      return seen.every((type) => type === "number");
    });
    const guarded = await newBaton({ functions: [noop, reads], determinismGuard: true });
    const unguarded = await newBaton({ functions: [noop, reads] });
    const stalling = await Promise.all([1, 2, 3].map(() => guarded.client.startNew(reads)));
    const running = await Promise.all([1, 2, 3].map(() => unguarded.client.startNew(reads)));
    expect(callEverything()).toEqual(EXPECTED_TYPES);
    for (const id of running) {
      const done = await waitForStatus(unguarded.client, id, ["Completed", "Failed"]);
      expect(done.output).toBe(true);
    }
    for (const id of stalling) {
      const stalled = await waitUntil(async () => (await guarded.client.getStatus(id))?.stalled, `instance ${id} to stall`);
      expect(stalled.code).toBe("NONDETERMINISTIC_CALL");
    }
  });

  it("stalls the instance rather than failing it, so that fixed code continues it", async () => {
    const store = tempStoreUrl();
    const broken = orchestration("Pick", async (ctx) => {
      await ctx.callActivity(noop, null);
      return Math.random() < 2 ? "picked" : "never";
    });
    const fixed = orchestration("Pick", async (ctx) => {
      await ctx.callActivity(noop, null);
      return ctx.random() < 2 ? "picked" : "never";
    });
    const first = await newBaton({ store, functions: [noop, broken], determinismGuard: true });
    const id = await first.client.startNew(broken);
    const stalled = await waitUntil(async () => (await first.client.getStatus(id))?.stalled, "the instance to stall");
    expect(stalled.message).toContain('Math.random() inside orchestration "Pick" is not deterministic: use ctx.random()');
    await first.stop();

    const second = await newBaton({ store, functions: [noop, fixed], determinismGuard: true });
    const done = await waitForStatus(second.client, id, ["Completed", "Failed"]);
    expect(done.output).toBe("picked");
  });

  it("refuses a determinismGuard that is not a boolean", async () => {
    await expect(createBaton({ store: tempStoreUrl(), functions: [], determinismGuard: "yes" as unknown as boolean })).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});
