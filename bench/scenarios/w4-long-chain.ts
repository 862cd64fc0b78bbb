/**
 * W4: one orchestration of 1,000 sequential activities. Besides the total, the activity
 * stamps each call so that the first 100 steps can be compared with the last 100: a step
 * must not get slower as the history grows (no full replay per episode).
 */
import { activity, orchestration } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, startBaton, type Scenario } from "../scenario.js";

const STEPS = 1_000;
const WINDOW = 100;

const callTimes: number[] = [];
const increment = activity("W4Increment", async (n: number) => {
  callTimes.push(performance.now());
  return n + 1;
});

const chain = orchestration("W4Chain", async (ctx, n: number) => {
  let x = n;
  for (let i = 0; i < STEPS; i++) x = await ctx.callActivity(increment, x);
  return x;
});

export const w4: Scenario = {
  id: "W4",
  title: "one orchestration of 1,000 sequential activities",
  target: "≤ 0.25 s; last 100 steps no slower than the first 100 (×1.2)",
  reference: "0.97 s",
  metrics: {
    wallMs: { unit: "ms", target: { op: "<=", value: 250 }, reference: 970, about: "startNew → result in hand" },
    lastOverFirst: {
      unit: "×",
      target: { op: "<=", value: 1.2 },
      about: "time of the last 100 steps / time of the first 100 steps",
    },
    first100Ms: { unit: "ms", about: "activity call 1 → call 101" },
    last100Ms: { unit: "ms", about: "activity call 900 → call 1,000 (100 steps)" },
    perStepMs: { unit: "ms", about: "first → last activity call, per step" },
    pickupMs: { unit: "ms", about: "startNew → first activity call (part of wallMs)" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, chain]);
    try {
      const startedAt = performance.now();
      const id = await baton.client.startNew(chain, { input: 7 });
      const status = await baton.client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS });
      const doneAt = performance.now();
      check(status.runtimeStatus === "Completed", `W4: ended ${status.runtimeStatus}`);
      check(status.output === 7 + STEPS, `W4: output ${status.output}, expected ${7 + STEPS}`);
      check(callTimes.length === STEPS, `W4: the activity ran ${callTimes.length} times, expected ${STEPS}`);

      // A step is the gap from one activity call to the next; WINDOW steps span WINDOW + 1 calls.
      const first100Ms = callTimes[WINDOW]! - callTimes[0]!;
      const last100Ms = callTimes[STEPS - 1]! - callTimes[STEPS - 1 - WINDOW]!;
      return {
        wallMs: doneAt - startedAt,
        lastOverFirst: last100Ms / first100Ms,
        first100Ms,
        last100Ms,
        perStepMs: (callTimes[STEPS - 1]! - callTimes[0]!) / (STEPS - 1),
        pickupMs: callTimes[0]! - startedAt,
      };
    } finally {
      await baton.stop();
    }
  },
};
