/**
 * Activity heartbeats: with a heartbeatTimeout, an attempt that goes silent fails with
 * TimeoutError (its signal fires) and is retried per its policy; the next attempt gets the
 * last heartbeat's details to resume from.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, ActivityFailedError, createBaton, InvalidArgumentError, orchestration, TimeoutError, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const seen: { attempt: number; details: unknown; reason?: unknown }[] = [];

/** Attempt 1 reports progress twice, then hangs; later attempts resume from the details. */
const resumable = activity(
  "Resumable",
  async (total: number, ctx) => {
    const entry: (typeof seen)[number] = { attempt: ctx.attempt, details: ctx.heartbeatDetails };
    seen.push(entry);
    let done = (ctx.heartbeatDetails as { done: number } | undefined)?.done ?? 0;
    if (ctx.attempt === 1) {
      for (let i = 0; i < 2; i++) {
        done++;
        ctx.heartbeat({ done });
        await sleep(30);
      }
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      entry.reason = ctx.signal.reason;
      return -1; // too late: the attempt has already failed
    }
    for (; done < total; done++) ctx.heartbeat({ done });
    return done;
  },
  { heartbeatTimeout: 200, retry: { maxAttempts: 3, firstRetryInterval: 10 } },
);

const steady = activity(
  "Steady",
  async (beats: number, ctx) => {
    for (let i = 0; i < beats; i++) {
      await sleep(50);
      ctx.heartbeat();
    }
    return beats;
  },
  { heartbeatTimeout: 200 },
);

const silent = activity(
  "Silent",
  async (_: null, ctx) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    return "never used";
  },
  { heartbeatTimeout: 100, retry: { maxAttempts: 1 } },
);

const caller = orchestration("HeartbeatCaller", async (ctx, which: string) => {
  try {
    if (which === "resumable") return await ctx.callActivity(resumable, 5);
    if (which === "steady") return await ctx.callActivity(steady, 12);
    return await ctx.callActivity(silent, null);
  } catch (error) {
    return error instanceof ActivityFailedError ? `${error.cause.name} after ${error.attempts}` : "other";
  }
});

async function newBaton(): Promise<Baton> {
  const baton = await createBaton({ store: tempStoreUrl(), functions: [resumable, steady, silent, caller], logger: quiet });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("heartbeats", () => {
  it("keep an attempt alive well past its heartbeatTimeout as long as they come", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(caller, { input: "steady" });
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(12); // ~600 ms of work, timeout 200 ms
  });

  it("a silent attempt fails with TimeoutError, its signal fires, and the retry resumes from the last details", async () => {
    seen.length = 0;
    const { client } = await newBaton();
    const id = await client.startNew(caller, { input: "resumable" });
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(5);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
    expect(seen[0]!.details).toBeUndefined();
    expect(seen[0]!.reason).toBeInstanceOf(TimeoutError);
    expect(seen[1]!.details).toEqual({ done: 2 });
  });

  it("with no attempts left, the call fails with ActivityFailedError caused by TimeoutError", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(caller, { input: "silent" });
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe("TimeoutError after 1");
  });

  it("rejects a malformed heartbeatTimeout when the activity is defined", () => {
    expect(() => activity("BadBeat", async () => 1, { heartbeatTimeout: "often" as never })).toThrow(InvalidArgumentError);
  });
});
