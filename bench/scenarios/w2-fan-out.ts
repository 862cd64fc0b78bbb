/**
 * W2: one orchestration fans out N activities with ctx.all and sums their results, for
 * N = 1,000 and then N = 10,000 (one process, one store, one after the other).
 *
 * Linearity is the per-activity cost at 10,000 over the per-activity cost at 1,000 (1.0 =
 * linear), both measured from the first activity call to the result in hand. Measured on
 * the whole wall time instead, any fixed cost (such as the worker noticing the new
 * instance) would make the ratio look better than linear and hide a growing per-item cost;
 * that ratio is reported too, as wallLinearity.
 */
import { activity, orchestration, type Baton } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, range, startBaton, type Scenario } from "../scenario.js";

const SMALL = 1_000;
const LARGE = 10_000;

let calls = 0;
let firstCallAt: number | undefined;
const increment = activity("W2Increment", async (n: number) => {
  calls++;
  firstCallAt ??= performance.now();
  return n + 1;
});

const fanOut = orchestration("W2FanOut", async (ctx, width: number) => {
  const results = await ctx.all(range(width).map((i) => ctx.callActivity(increment, i)));
  return results.reduce((sum, x) => sum + x, 0);
});

/** Runs one fan-out of `width` and returns its wall time and the time until the first activity ran. */
async function fanOutOnce(baton: Baton, width: number): Promise<{ wallMs: number; pickupMs: number; fanMs: number }> {
  calls = 0;
  firstCallAt = undefined;
  const startedAt = performance.now();
  const id = await baton.client.startNew(fanOut, { input: width });
  const status = await baton.client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS });
  const doneAt = performance.now();
  const expected = (width * (width + 1)) / 2; // sum of i + 1 for i < width
  check(status.runtimeStatus === "Completed", `W2 width ${width}: ended ${status.runtimeStatus}`);
  check(status.output === expected, `W2 width ${width}: fan-in sum ${status.output}, expected ${expected}`);
  check(calls === width, `W2 width ${width}: the activity ran ${calls} times, expected ${width}`);
  return { wallMs: doneAt - startedAt, pickupMs: firstCallAt! - startedAt, fanMs: doneAt - firstCallAt! };
}

export const w2: Scenario = {
  id: "W2",
  title: "one orchestration fanning out 1,000 and 10,000 activities, fan-in sum",
  target: "≤ 0.12 s and ≤ 1.0 s; cost linear in width",
  reference: "0.74 s (1k), 6.6 s (10k)",
  metrics: {
    wall1kMs: { unit: "ms", target: { op: "<=", value: 120 }, reference: 740, about: "startNew → result, width 1,000" },
    wall10kMs: { unit: "ms", target: { op: "<=", value: 1000 }, reference: 6600, about: "startNew → result, width 10,000" },
    linearity: {
      unit: "×",
      target: { op: "<=", value: 1.2 },
      about: "per-activity cost at 10k / at 1k, first activity call → result (1.0 = linear; ×1.2 taken as the bound)",
    },
    wallLinearity: { unit: "×", about: "the same ratio on whole wall times (flattered by fixed costs)" },
    perActivity1kUs: { unit: "µs", about: "first activity call → result / 1,000" },
    perActivity10kUs: { unit: "µs", about: "first activity call → result / 10,000" },
    pickup1kMs: { unit: "ms", about: "startNew → first activity call, width 1,000 (part of wall1kMs)" },
    pickup10kMs: { unit: "ms", about: "startNew → first activity call, width 10,000 (part of wall10kMs)" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, fanOut], { maxConcurrentActivities: SMALL });
    try {
      const small = await fanOutOnce(baton, SMALL);
      const large = await fanOutOnce(baton, LARGE);
      const perSmall = small.fanMs / SMALL;
      const perLarge = large.fanMs / LARGE;
      return {
        wall1kMs: small.wallMs,
        wall10kMs: large.wallMs,
        linearity: perLarge / perSmall,
        wallLinearity: large.wallMs / LARGE / (small.wallMs / SMALL),
        perActivity1kUs: perSmall * 1000,
        perActivity10kUs: perLarge * 1000,
        pickup1kMs: small.pickupMs,
        pickup10kMs: large.pickupMs,
      };
    } finally {
      await baton.stop();
    }
  },
};
