/**
 * W1: 500 orchestrations, each calling 3 activities in sequence, all started at once.
 * Wall time runs from the first startNew until every instance has completed.
 */
import { activity, orchestration } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, range, startBaton, type Scenario } from "../scenario.js";

const INSTANCES = 500;
const STEPS = 3;

let calls = 0;
const increment = activity("W1Increment", async (n: number) => {
  calls++;
  return n + 1;
});

const chain = orchestration("W1Chain", async (ctx, n: number) => {
  let x = n;
  for (let i = 0; i < STEPS; i++) x = await ctx.callActivity(increment, x);
  return x;
});

export const w1: Scenario = {
  id: "W1",
  title: "500 orchestrations × 3 sequential activities, all started at once",
  target: "≤ 0.25 s wall (≥ 6,000 activities/s)",
  reference: "1.13 s",
  metrics: {
    wallMs: {
      unit: "ms",
      target: { op: "<=", value: 250 },
      reference: 1130,
      about: "first startNew → all 500 completed",
    },
    activitiesPerSec: {
      unit: "/s",
      target: { op: ">=", value: 6000 },
      reference: (INSTANCES * STEPS) / 1.13,
      about: "1,500 activities / wall time",
    },
    startAllMs: { unit: "ms", about: "the 500 startNew calls alone" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, chain], {
      maxConcurrentOrchestrations: INSTANCES,
      maxConcurrentActivities: INSTANCES,
    });
    try {
      const { client } = baton;
      const startedAt = performance.now();
      const ids = await Promise.all(range(INSTANCES).map((i) => client.startNew(chain, { input: i * 10 })));
      const allStartedAt = performance.now();
      const statuses = await Promise.all(ids.map((id) => client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS })));
      const doneAt = performance.now();

      statuses.forEach((status, i) => {
        check(status.runtimeStatus === "Completed", `W1 instance ${i} ended ${status.runtimeStatus}`);
        check(status.output === i * 10 + STEPS, `W1 instance ${i}: output ${status.output}, expected ${i * 10 + STEPS}`);
      });
      const completed = await client.list({ runtimeStatus: ["Completed"], pageSize: 1000 });
      check(completed.instances.length === INSTANCES, `W1: ${completed.instances.length} instances listed Completed, expected ${INSTANCES}`);
      check(calls === INSTANCES * STEPS, `W1: the activity ran ${calls} times, expected ${INSTANCES * STEPS}`);

      const wallMs = doneAt - startedAt;
      return { wallMs, activitiesPerSec: (INSTANCES * STEPS) / (wallMs / 1000), startAllMs: allStartedAt - startedAt };
    } finally {
      await baton.stop();
    }
  },
};
