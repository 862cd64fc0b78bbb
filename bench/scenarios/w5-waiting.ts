/**
 * W5: 5,000 orchestrations each waiting on an external event, then all events raised.
 *
 * Memory: the worker process's RSS (after a full GC) is read once the baton has started and
 * a small warm-up batch has gone through the same path (so one-time costs such as compiled
 * code are not counted as per-instance growth), and again once all 5,000 instances are
 * listed Running with their custom status "waiting" (set in the same episode as the wait,
 * so it proves the wait was reached). Both readings are taken after the process has been
 * idle for SETTLE_MS: V8 keeps the heap it grew to during a burst of allocation and returns
 * it only once allocation stops (its memory reducer), so a reading taken at once measures
 * the start burst's high-water mark, not what waiting instances hold. That reading is
 * reported too (rssGrowthAtOnceMB). Then every event is raised; raise → all complete is
 * timed from the first raiseEvent call.
 */
import { activity, orchestration, type BatonClient } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, memoryAfterGc, range, startBaton, waitUntil, type Scenario } from "../scenario.js";

const INSTANCES = 5_000;
const WARM_UP = 20;
const EVENT = "Go";
/** Long enough for V8's memory reducer to return the pages a burst grew the heap to. */
const SETTLE_MS = 10_000;

async function memoryWhenSettled() {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return memoryAfterGc();
}

let calls = 0;
const increment = activity("W5Increment", async (n: number) => {
  calls++;
  return n + 1;
});

const waiter = orchestration("W5Waiter", async (ctx, _input: number) => {
  ctx.setCustomStatus("waiting");
  const value = await ctx.waitForExternalEvent<number>(EVENT);
  return ctx.callActivity(increment, value);
});

/** How many instances of W5Waiter are Running with the wait reached. */
async function countWaiting(client: BatonClient): Promise<number> {
  let waiting = 0;
  let continuationToken: string | undefined;
  do {
    const page = await client.list({ runtimeStatus: ["Running"], name: waiter.name, pageSize: 1000, continuationToken });
    waiting += page.instances.filter((s) => s.customStatus === "waiting").length;
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return waiting;
}

/** Starts `count` waiters, waits until all wait, raises their events; returns the ids and timings. */
async function startWaiters(client: BatonClient, count: number, firstInput: number) {
  const startedAt = performance.now();
  const ids = await Promise.all(range(count).map((i) => client.startNew(waiter, { input: firstInput + i })));
  const startAllMs = performance.now() - startedAt;
  await waitUntil(`${count} W5 instances waiting`, async () => (await countWaiting(client)) === count, WAIT_TIMEOUT_MS, 50);
  return { ids, startAllMs, allWaitingMs: performance.now() - startedAt };
}

async function raiseAndComplete(client: BatonClient, ids: readonly string[], firstInput: number) {
  const raisedAt = performance.now();
  await Promise.all(ids.map((id, i) => client.raiseEvent(id, EVENT, firstInput + i)));
  const raiseAllMs = performance.now() - raisedAt;
  const statuses = await Promise.all(ids.map((id) => client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS })));
  const raiseToCompleteMs = performance.now() - raisedAt;
  statuses.forEach((status, i) => {
    check(status.runtimeStatus === "Completed", `W5 instance ${i}: ended ${status.runtimeStatus}`);
    check(status.output === firstInput + i + 1, `W5 instance ${i}: output ${status.output}, expected ${firstInput + i + 1}`);
  });
  return { raiseAllMs, raiseToCompleteMs };
}

export const w5: Scenario = {
  id: "W5",
  title: "5,000 orchestrations each waiting on an external event; then raise all",
  target: "worker RSS growth ≤ 15 MB while waiting; raise → all complete ≤ 0.8 s",
  reference: "+35 MB and 4.2 s",
  metrics: {
    rssGrowthMB: {
      unit: "MB",
      target: { op: "<=", value: 15 },
      reference: 35,
      about: "RSS with 5,000 waiting − RSS started and idle (both after GC, each after 10 s idle)",
    },
    rssGrowthAtOnceMB: {
      unit: "MB",
      about: "the same, read right after the last instance reached its wait (the start burst's high-water mark)",
    },
    raiseToCompleteMs: {
      unit: "ms",
      target: { op: "<=", value: 800 },
      reference: 4200,
      about: "first raiseEvent → all 5,000 completed",
    },
    heapGrowthMB: { unit: "MB", about: "V8 heap used, same two moments" },
    raiseAllMs: { unit: "ms", about: "the 5,000 raiseEvent calls alone (part of raiseToCompleteMs)" },
    startAllMs: { unit: "ms", about: "the 5,000 startNew calls" },
    allWaitingMs: { unit: "ms", about: "first startNew → all 5,000 listed as waiting" },
  },

  async run(storeUrl) {
    const baton = await startBaton(storeUrl, [increment, waiter], {
      maxConcurrentOrchestrations: 1000,
      maxConcurrentActivities: 1000,
    });
    try {
      const { client } = baton;
      const warmUp = await startWaiters(client, WARM_UP, -1000);
      await raiseAndComplete(client, warmUp.ids, -1000);

      const idle = await memoryWhenSettled();
      const started = await startWaiters(client, INSTANCES, 0);
      const waitingAtOnce = memoryAfterGc();
      const waiting = await memoryWhenSettled();
      check(calls === WARM_UP, `W5: the activity ran ${calls} times before any event of the measured batch`);

      const raised = await raiseAndComplete(client, started.ids, 0);
      check(calls === WARM_UP + INSTANCES, `W5: the activity ran ${calls} times, expected ${WARM_UP + INSTANCES}`);
      return {
        rssGrowthMB: waiting.rssMB - idle.rssMB,
        rssGrowthAtOnceMB: waitingAtOnce.rssMB - idle.rssMB,
        raiseToCompleteMs: raised.raiseToCompleteMs,
        heapGrowthMB: waiting.heapUsedMB - idle.heapUsedMB,
        raiseAllMs: raised.raiseAllMs,
        startAllMs: started.startAllMs,
        allWaitingMs: started.allWaitingMs,
      };
    } finally {
      await baton.stop();
    }
  },
};
