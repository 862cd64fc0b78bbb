/**
 * W3: latency of one small orchestration, 10 activities in sequence, from startNew to the
 * result in hand (startNew + waitForCompletion). Instances run one at a time: a few warm-up
 * iterations, then the measured ones. The pick-up (startNew → first activity call) and the
 * rest (first activity call → result) are reported too, to show where the time goes.
 */
import { activity, orchestration } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, startBaton, type Scenario } from "../scenario.js";
import { median, percentile } from "../stats.js";

const STEPS = 10;
const WARM_UP = 5;
const ITERATIONS = 50;

let calls = 0;
let firstCallAt: number | undefined;
const increment = activity("W3Increment", async (n: number) => {
  calls++;
  firstCallAt ??= performance.now();
  return n + 1;
});

const chain = orchestration("W3Chain", async (ctx, n: number) => {
  let x = n;
  for (let i = 0; i < STEPS; i++) x = await ctx.callActivity(increment, x);
  return x;
});

export const w3: Scenario = {
  id: "W3",
  title: "one orchestration of 10 sequential activities, start → result in hand",
  target: "median ≤ 3 ms",
  reference: "13.7 ms",
  metrics: {
    medianMs: { unit: "ms", target: { op: "<=", value: 3 }, reference: 13.7, about: `median of ${ITERATIONS} start → result` },
    p95Ms: { unit: "ms", about: "95th percentile of start → result" },
    pickupMedianMs: { unit: "ms", about: "median startNew → first activity call" },
    afterPickupMedianMs: { unit: "ms", about: "median first activity call → result in hand" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, chain]);
    try {
      const total: number[] = [];
      const pickup: number[] = [];
      const afterPickup: number[] = [];
      for (let i = 0; i < WARM_UP + ITERATIONS; i++) {
        calls = 0;
        firstCallAt = undefined;
        const input = i * 100;
        const startedAt = performance.now();
        const id = await baton.client.startNew(chain, { input });
        const status = await baton.client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS });
        const doneAt = performance.now();
        check(status.runtimeStatus === "Completed", `W3 iteration ${i}: ended ${status.runtimeStatus}`);
        check(status.output === input + STEPS, `W3 iteration ${i}: output ${status.output}, expected ${input + STEPS}`);
        check(calls === STEPS, `W3 iteration ${i}: the activity ran ${calls} times, expected ${STEPS}`);
        if (i < WARM_UP) continue;
        total.push(doneAt - startedAt);
        pickup.push(firstCallAt! - startedAt);
        afterPickup.push(doneAt - firstCallAt!);
      }
      return {
        medianMs: median(total),
        p95Ms: percentile(total, 95),
        pickupMedianMs: median(pickup),
        afterPickupMedianMs: median(afterPickup),
      };
    } finally {
      await baton.stop();
    }
  },
};
