/**
 * The orchestrations and the activity the chaos workers host, shared with the driver, which
 * starts instances by name and computes from each input what the instance must end with
 * (expectedRun). Every shape Baton offers is here: chains, fan-out/fan-in, durable timers,
 * external events, sub-orchestrations with explicit and generated ids (two deep), activity
 * retries, continueAsNew loops, a child started without being awaited, and instances that only
 * a termination ends.
 *
 * The activity appends to the side log (test/crash/kit/activity-log.ts, chaos format) one line
 * when an attempt starts and one when it ends, written straight to the file, so the log is
 * independent of the store: which calls ran, in which process, which attempt, when.
 * An activity may fail its first attempt(s) on purpose: how many follows from its idempotency
 * key, so a re-run of an attempt fails or succeeds as the first run did.
 */
import { appendFileSync } from "node:fs";
import { activity, orchestration, type OrchestrationContext, type Task } from "../../src/index.js";

/** Input of the activity: returns value + add. */
export interface AddInput {
  value: number;
  add: number;
  /** Which call of the orchestration this is (unique within one execution). */
  call: string;
  /** At most this many first attempts fail on purpose (the retry policy allows one more). */
  maxFailures: number;
  /** How long an attempt works, in ms. */
  workMs: number;
}

export const MAX_FAILURES = 2;
/** The retry policy of every call: room for the planned failures and one spare. */
const RETRY = { maxAttempts: MAX_FAILURES + 2, firstRetryInterval: 100, backoffCoefficient: 1 };

/** How many first attempts of the call with this key fail: 0..maxFailures, fixed by the key. */
export function plannedFailures(idempotencyKey: string, maxFailures: number): number {
  if (maxFailures <= 0) return 0;
  let hash = 0;
  for (let i = 0; i < idempotencyKey.length; i++) hash = (hash * 31 + idempotencyKey.charCodeAt(i)) >>> 0;
  return hash % (maxFailures + 1);
}

/** The instance an idempotency key belongs to (keys are `<instanceId>:<executionId>:<seq>`; ids may hold ':'). */
export function keyInstance(key: string): string {
  return key.split(":").slice(0, -2).join(":");
}

export function chaosFunctions(logFile?: string) {
  const log = (line: string): void => {
    if (logFile === undefined) throw new Error("ChaosAdd needs a side log: the driver process runs no activity.");
    appendFileSync(logFile, `${line}\n`);
  };

  const add = activity("ChaosAdd", async (input: AddInput, actx) => {
    const key = actx.idempotencyKey;
    log(`start ${key} ${actx.attempt} ${process.pid} ${Date.now()} ${input.call}`);
    await new Promise((resolve) => setTimeout(resolve, input.workMs));
    if (actx.attempt <= plannedFailures(key, input.maxFailures)) {
      log(`end ${key} ${process.pid} ${Date.now()} fail`);
      throw new Error(`planned failure of attempt ${actx.attempt} of ${key}`);
    }
    log(`end ${key} ${process.pid} ${Date.now()} ok`);
    return input.value + input.add;
  });

  const call = (ctx: OrchestrationContext, value: number, addend: number, id: string, maxFailures = 0, workMs = 5) =>
    ctx.callActivity(add, { value, add: addend, call: id, maxFailures, workMs }, { retry: RETRY });

  const chain = orchestration("ChaosChain", async (ctx, input: ChainInput) => {
    let value = input.n;
    for (let i = 0; i < input.length; i++) value = await call(ctx, value, i + 1, `chain/${i}`, i % 3 === 1 ? MAX_FAILURES : 0, input.workMs);
    return value;
  });

  const fanOut = orchestration("ChaosFanOut", async (ctx, input: FanOutInput) => {
    const parts = Array.from({ length: input.width }, (_, i) => call(ctx, input.n, i, `fan/${i}`, i % 4 === 0 ? 1 : 0, input.workMs));
    const values = await ctx.all(parts);
    return values.reduce((sum, v) => sum + v, 0);
  });

  const timer = orchestration("ChaosTimer", async (ctx, input: TimerInput) => {
    const before = await call(ctx, input.n, 1, "before");
    await ctx.sleep(input.sleepMs);
    return call(ctx, before, 1, "after");
  });

  const events = orchestration("ChaosEvents", async (ctx, input: EventsInput) => {
    // The driver may deliver an event twice (a raiseEvent whose commit answer was lost, then
    // repeated): each event carries its index, and a repeat is ignored.
    const seen = new Map<number, number>();
    while (seen.size < input.events) {
      const event = await ctx.waitForExternalEvent<{ index: number; value: number }>("poke");
      seen.set(event.index, event.value);
    }
    const sum = [...seen.values()].reduce((a, b) => a + b, 0);
    return call(ctx, input.n, sum, "after-events");
  });

  const child = orchestration("ChaosChild", async (ctx, input: ChildInput): Promise<number> => {
    const first = await call(ctx, input.n, 1, "child/0", 1);
    if (input.depth >= 2) return first;
    const grandchildId = input.explicitGrandchild ? { instanceId: `${ctx.instanceId}.g` } : {};
    // By name: a definition cannot name itself in its own initializer.
    const grandchild: number = await ctx.callSubOrchestrator("ChaosChild", { n: first, depth: 2, explicitGrandchild: false }, grandchildId);
    return call(ctx, grandchild, 1, "child/1");
  });

  const parent = orchestration("ChaosParent", async (ctx, input: ParentInput) => {
    const explicit = ctx.callSubOrchestrator(child, { n: input.n, depth: 1, explicitGrandchild: false }, { instanceId: `${ctx.instanceId}.c` });
    const generated = ctx.callSubOrchestrator(child, { n: input.n + 1, depth: 1, explicitGrandchild: true });
    const [a, b] = await ctx.all([explicit, generated]);
    return a + b;
  });

  const loop = orchestration("ChaosLoop", async (ctx, input: LoopInput) => {
    const value = await call(ctx, input.n, 1, `loop/${input.remaining}`, input.remaining % 2);
    if (input.remaining > 0) return ctx.continueAsNew({ n: value, remaining: input.remaining - 1 });
    return value;
  });

  const detached = orchestration("ChaosDetached", async (ctx, input: DetachedInput) => {
    // Started and never awaited: the child must be created and run to its end all the same.
    void ctx.callSubOrchestrator(child, { n: input.n, depth: 2, explicitGrandchild: false }, { instanceId: `${ctx.instanceId}.d` });
    if (input.endAtOnce) return input.n;
    return call(ctx, input.n, 1, "after-detach");
  });

  const hold = orchestration("ChaosHold", async (ctx, input: HoldInput) => {
    const parts = await ctx.all([0, 1, 2].map((i) => call(ctx, input.n, i, `hold/${i}`, 0, 20)));
    const waits: Task<unknown>[] = [ctx.waitForExternalEvent("never-raised")];
    if (input.child) waits.push(ctx.callSubOrchestrator("ChaosHold", { n: input.n, child: false }, { instanceId: `${ctx.instanceId}.h` }));
    await ctx.all(waits);
    return parts.length;
  });

  return { add, functions: [add, chain, fanOut, timer, events, child, parent, loop, detached, hold] };
}

export interface ChainInput { n: number; length: number; workMs: number }
export interface FanOutInput { n: number; width: number; workMs: number }
export interface TimerInput { n: number; sleepMs: number }
export interface EventsInput { n: number; events: number }
export interface ChildInput { n: number; depth: number; explicitGrandchild: boolean }
export interface ParentInput { n: number }
export interface LoopInput { n: number; remaining: number }
export interface DetachedInput { n: number; endAtOnce: boolean }
/** Waits for an event nobody raises: only a termination ends it (and its child). */
export interface HoldInput { n: number; child: boolean }

/** The value of the i-th event raised to a ChaosEvents instance. */
export const eventValue = (index: number): number => index + 1;
