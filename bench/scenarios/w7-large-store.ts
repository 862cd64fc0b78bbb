/**
 * W7: does Baton slow down as finished instances pile up? Two stores, one with 10,000
 * finished instances and one with 1,000,000 (6 history events each, in 2 segment rows),
 * seeded directly with SQL (setup only, see seed-finished-instances.ts). On SQLite the large
 * store is a second file beside the run's; on PostgreSQL a second schema (`<schema>_large`).
 * On each, with a started baton:
 * - getStatus latency: median over 1,000 random seeded ids, one call at a time;
 * - claim latency: startNew → first activity call, median over 100 new instances run one at
 *   a time (this includes the worker noticing the new instance);
 * - step latency: first activity call → second activity call of the same instance (activity
 *   commit, orchestration claim, episode, commit, activity claim, all in process).
 * The ratios large/small should stay within ×1.2.
 *
 * The large size can be lowered for routine runs: `npm run bench -- W7 --w7-size 200000`
 * (the runner passes it as BATON_BENCH_W7_SIZE).
 */
import { randomUUID } from "node:crypto";
import { activity, orchestration, type Baton } from "../../src/index.js";
import { WAIT_TIMEOUT_MS, check, siblingStoreUrl, startBaton, storeSizeMB, type Scenario } from "../scenario.js";
import { seedFinishedInstances, type SeededInstance } from "../seed-finished-instances.js";
import { median } from "../stats.js";

const SMALL = 10_000;
const LARGE = Number(process.env.BATON_BENCH_W7_SIZE ?? 1_000_000);
const STATUS_SAMPLES = 1_000;
const CLAIM_SAMPLES = 100;
const WARM_UP_CLAIMS = 5;
const SLOW_SEED_MS = 180_000;
const PROBE_PREFIX = "probe-";

const callTimes: number[] = [];
const increment = activity("W7Increment", async (n: number) => {
  callTimes.push(performance.now());
  return n + 1;
});

const probe = orchestration("W7Probe", async (ctx, n: number) => {
  const once = await ctx.callActivity(increment, n);
  return ctx.callActivity(increment, once);
});

/** Runs one probe instance alone; returns startNew → first call and first call → second call. */
async function probeOnce(baton: Baton, input: number): Promise<{ claimMs: number; stepMs: number }> {
  callTimes.length = 0;
  const startedAt = performance.now();
  const id = await baton.client.startNew(probe, { input, instanceId: `${PROBE_PREFIX}${randomUUID()}` });
  const status = await baton.client.waitForCompletion<number>(id, { timeout: WAIT_TIMEOUT_MS });
  check(status.runtimeStatus === "Completed" && status.output === input + 2, `W7 probe ${input}: ${status.runtimeStatus}, output ${status.output}`);
  check(callTimes.length === 2, `W7 probe ${input}: the activity ran ${callTimes.length} times, expected 2`);
  return { claimMs: callTimes[0]! - startedAt, stepMs: callTimes[1]! - callTimes[0]! };
}

async function measure(storeUrl: string, sample: readonly SeededInstance[]) {
  const baton = await startBaton(storeUrl, [increment, probe]);
  try {
    for (const seeded of sample.slice(0, 100)) await baton.client.getStatus(seeded.instanceId);
    for (let i = 0; i < WARM_UP_CLAIMS; i++) await probeOnce(baton, -1000 - i);

    const getStatusMs: number[] = [];
    for (const seeded of sample) {
      const startedAt = performance.now();
      const status = await baton.client.getStatus(seeded.instanceId);
      getStatusMs.push(performance.now() - startedAt);
      check(status, `W7: seeded instance ${seeded.instanceId} not found`);
      check(status.runtimeStatus === seeded.status, `W7: seeded instance ${seeded.input} is ${status.runtimeStatus}, expected ${seeded.status}`);
      check(status.output === seeded.output, `W7: seeded instance ${seeded.input} output ${String(status.output)}, expected ${String(seeded.output)}`);
      check(status.input === seeded.input, `W7: seeded instance ${seeded.input} input ${String(status.input)}`);
    }
    const claimMs: number[] = [];
    const stepMs: number[] = [];
    for (let i = 0; i < CLAIM_SAMPLES; i++) {
      const probed = await probeOnce(baton, i * 10);
      claimMs.push(probed.claimMs);
      stepMs.push(probed.stepMs);
    }
    const probes = await baton.client.list({ instanceIdPrefix: PROBE_PREFIX, runtimeStatus: ["Completed"], pageSize: 1000 });
    const expected = CLAIM_SAMPLES + WARM_UP_CLAIMS;
    check(probes.instances.length === expected, `W7: ${probes.instances.length} probe instances listed Completed, expected ${expected}`);
    return { getStatusMs: median(getStatusMs), claimMs: median(claimMs), stepMs: median(stepMs) };
  } finally {
    await baton.stop();
  }
}

export const w7: Scenario = {
  id: "W7",
  title: "store with 1,000,000 finished instances vs 10,000",
  target: "getStatus and claim latency within ×1.2",
  reference: "—",
  metrics: {
    getStatusRatio: { unit: "×", target: { op: "<=", value: 1.2 }, about: "median getStatus latency, large / small" },
    claimRatio: { unit: "×", target: { op: "<=", value: 1.2 }, about: "median startNew → first activity, large / small" },
    stepRatio: { unit: "×", target: { op: "<=", value: 1.2 }, about: "median activity → next activity, large / small" },
    getStatusSmallMs: { unit: "ms", about: "median getStatus, small store (10,000 finished)" },
    getStatusLargeMs: { unit: "ms", about: "median getStatus, large store (1,000,000 finished unless --w7-size)" },
    claimSmallMs: { unit: "ms", about: "median startNew → first activity call, small store" },
    claimLargeMs: { unit: "ms", about: "median startNew → first activity call, large store" },
    stepSmallMs: { unit: "ms", about: "median first → second activity call, small store" },
    stepLargeMs: { unit: "ms", about: "median first → second activity call, large store" },
    seedLargeS: { unit: "s", about: "seeding the large store (setup; durability off on the seeding connection)" },
    largeStoreMB: { unit: "MB", about: "size of the large store (SQLite file; PostgreSQL tables with indexes)" },
    largeInstances: { unit: "count", about: "finished instances in the large store" },
  },

  async run(storeUrl) {
    check(Number.isInteger(LARGE) && LARGE > SMALL, `W7: the large size must be a whole number above ${SMALL}, got ${LARGE}`);
    const largeUrl = siblingStoreUrl(storeUrl, "large");
    const seedOptions = { name: probe.name, activityName: increment.name, sampleSize: STATUS_SAMPLES };
    const small = await seedFinishedInstances(storeUrl, { ...seedOptions, count: SMALL });
    const large = await seedFinishedInstances(largeUrl, { ...seedOptions, count: LARGE });
    if (large.seedMs > SLOW_SEED_MS) {
      process.stderr.write(
        `W7: seeding ${LARGE.toLocaleString("en-US")} instances took ${(large.seedMs / 1000).toFixed(0)} s ` +
          `(over 3 minutes); use --w7-size to run W7 smaller routinely.\n`,
      );
    }
    const onSmall = await measure(storeUrl, small.sample);
    const onLarge = await measure(largeUrl, large.sample);
    return {
      getStatusRatio: onLarge.getStatusMs / onSmall.getStatusMs,
      claimRatio: onLarge.claimMs / onSmall.claimMs,
      stepRatio: onLarge.stepMs / onSmall.stepMs,
      getStatusSmallMs: onSmall.getStatusMs,
      getStatusLargeMs: onLarge.getStatusMs,
      claimSmallMs: onSmall.claimMs,
      claimLargeMs: onLarge.claimMs,
      stepSmallMs: onSmall.stepMs,
      stepLargeMs: onLarge.stepMs,
      seedLargeS: large.seedMs / 1000,
      largeStoreMB: await storeSizeMB(largeUrl),
      largeInstances: LARGE,
    };
  },
};
