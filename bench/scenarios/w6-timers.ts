/**
 * W6: 1,000 orchestrations, all started at once, each sleeping 2 s on a durable timer and
 * then calling one activity. Lateness of an instance = the time its timer fired as seen by
 * the orchestration (the timestamp of the TimerFired event: the start of the episode that
 * consumed it) − the time the timer was due (TimerCreated's fireAt). Both come from history.
 */
import { activity, orchestration, type HistoryEntry } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, range, startBaton, type Scenario } from "../scenario.js";
import { max, median, percentile } from "../stats.js";

const INSTANCES = 1_000;
const SLEEP_MS = 2_000;

let calls = 0;
const increment = activity("W6Increment", async (n: number) => {
  calls++;
  return n + 1;
});

const sleeper = orchestration("W6Sleeper", async (ctx, n: number) => {
  await ctx.sleep(SLEEP_MS);
  return ctx.callActivity(increment, n);
});

/** Lateness in ms of the one timer in this history. */
function latenessOf(history: readonly HistoryEntry[], which: number): number {
  const created = history.filter((e) => e.type === "TimerCreated");
  const fired = history.filter((e) => e.type === "TimerFired");
  check(created.length === 1 && fired.length === 1, `W6 instance ${which}: ${created.length} TimerCreated, ${fired.length} TimerFired`);
  const createdAt = created[0]!.timestamp.getTime();
  const fireAt = (created[0]!.fireAt as Date).getTime();
  const firedAt = fired[0]!.timestamp.getTime();
  check(fired[0]!.seq === created[0]!.seq, `W6 instance ${which}: the timer that fired is not the one created`);
  check(fireAt - createdAt === SLEEP_MS, `W6 instance ${which}: timer due ${fireAt - createdAt} ms after it was created`);
  check(firedAt >= fireAt, `W6 instance ${which}: the timer fired ${fireAt - firedAt} ms early`);
  return firedAt - fireAt;
}

export const w6: Scenario = {
  id: "W6",
  title: "1,000 orchestrations each sleeping 2 s on a durable timer",
  target: "lateness median ≤ 10 ms, p95 ≤ 40 ms",
  reference: "55 ms median lateness",
  metrics: {
    latenessMedianMs: { unit: "ms", target: { op: "<=", value: 10 }, reference: 55, about: "median of TimerFired − fireAt" },
    latenessP95Ms: { unit: "ms", target: { op: "<=", value: 40 }, about: "95th percentile lateness" },
    latenessMaxMs: { unit: "ms", about: "worst lateness" },
    startAllMs: { unit: "ms", about: "the 1,000 startNew calls (timers fall due over this span)" },
    wallMs: { unit: "ms", about: "first startNew → all completed (≥ 2,000 by construction)" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, sleeper], {
      maxConcurrentOrchestrations: INSTANCES,
      maxConcurrentActivities: INSTANCES,
    });
    try {
      const { client } = baton;
      const startedAt = performance.now();
      const ids = await Promise.all(range(INSTANCES).map((i) => client.startNew(sleeper, { input: i })));
      const startAllMs = performance.now() - startedAt;
      const statuses = await Promise.all(ids.map((id) => client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS })));
      const wallMs = performance.now() - startedAt;
      statuses.forEach((status, i) => {
        check(status.runtimeStatus === "Completed", `W6 instance ${i}: ended ${status.runtimeStatus}`);
        check(status.output === i + 1, `W6 instance ${i}: output ${status.output}, expected ${i + 1}`);
      });
      check(calls === INSTANCES, `W6: the activity ran ${calls} times, expected ${INSTANCES}`);

      const lateness: number[] = [];
      for (const [i, id] of ids.entries()) {
        const status = await client.getStatus(id, { showHistory: true });
        check(status?.history, `W6 instance ${i}: no history`);
        lateness.push(latenessOf(status.history, i));
      }
      return {
        latenessMedianMs: median(lateness),
        latenessP95Ms: percentile(lateness, 95),
        latenessMaxMs: max(lateness),
        startAllMs,
        wallMs,
      };
    } finally {
      await baton.stop();
    }
  },
};
