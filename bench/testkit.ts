/**
 * The test kit's costs: `npx tsx bench/testkit.ts` (a script of its own, not a scenario of
 * run.ts: its figures are per test and per process, not per store, and part 3 compares two
 * kinds of process).
 *
 *   1. one test (a 7-day timer, an activity that fails once and is retried after 1 h, an event
 *      raised by the test): createTestEnvironment → close() (which replays every history),
 *      after warm-up; median and p95;
 *   2. 200 such tests at once in one process (Promise.all): wall time, peak RSS and heap;
 *   3. what the determinism guard costs code outside orchestrations once a guarded baton exists
 *      in the process: W1 on SQLite with and without a test environment alive beside it, and
 *      Date.now() / new Date(x) calls per second with and without the guard's wrappers.
 *
 * Each part runs in fresh processes (`node --expose-gc --import tsx bench/testkit.ts <part>`):
 * the guard, once installed, stays for the life of a process. Options: --runs N (default 5),
 * --tests N (part 1, default 50), --parallel N (part 2, default 200), --parts 1,3 (default all).
 */
import { spawn } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { activity, orchestration } from "../src/index.js";
import { createTestEnvironment } from "../src/testing/index.js";
import { describeMachine, machineLine, storeLine } from "./machine.js";
import { check, range } from "./scenario.js";
import { w1 } from "./scenarios/w1-chains.js";
import { formatNumber, median, percentile } from "./stats.js";
import { newRunStore } from "./stores.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SELF = join(ROOT, "bench", "testkit.ts");
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const sendReminder = activity(
  "KitSendReminder",
  async (email: string) => `sent to ${email}`,
  { retry: { maxAttempts: 3, firstRetryInterval: "1h" } },
);

/** Waits for an approval, sleeps a week, then sends a reminder (whose first attempt fails). */
const trial = orchestration("KitTrial", async (ctx, email: string) => {
  const approvedBy = await ctx.waitForExternalEvent<string>("Approved");
  await ctx.sleep("7d");
  const sent = await ctx.callActivity(sendReminder, email);
  return `${sent}, approved by ${approvedBy}`;
});

/** One test, as a user would write it; checks that the week and the hour were really skipped. */
async function oneTest(n: number): Promise<void> {
  const env = await createTestEnvironment({ functions: [sendReminder, trial] });
  try {
    env.failActivity(sendReminder, { times: 1, error: new Error("mail server down") });
    const startedAt = env.now();
    const id = await env.client.startNew(trial, { input: `user${n}@example.com` });
    await env.advanceTime(0); // the first episode runs: the instance waits for the event
    await env.client.raiseEvent(id, "Approved", "ada");
    const done = await env.client.waitForCompletion<string>(id);
    check(done.runtimeStatus === "Completed", `test ${n}: ended ${done.runtimeStatus}`);
    check(done.output === `sent to user${n}@example.com, approved by ada`, `test ${n}: output ${String(done.output)}`);
    const attempts = env.activityCalls(sendReminder).map((call) => call.outcome.status);
    check(attempts.join() === "failed,completed", `test ${n}: attempts ${attempts.join()}`);
    check(env.now() - startedAt >= 7 * DAY_MS + HOUR_MS, `test ${n}: the clock moved only ${env.now() - startedAt} ms`);
  } finally {
    await env.close();
  }
}

type Metrics = Record<string, number>;

async function partSingle(tests: number): Promise<Metrics> {
  for (const n of range(10)) await oneTest(n); // warm-up: JIT, module loading, SQLite
  const times: number[] = [];
  for (const n of range(tests)) {
    const startedAt = performance.now();
    await oneTest(n);
    times.push(performance.now() - startedAt);
  }
  return { medianMs: median(times), p95Ms: percentile(times, 95), maxMs: Math.max(...times) };
}

async function partParallel(count: number): Promise<Metrics> {
  await oneTest(-1); // warm-up
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
  const startedAt = performance.now();
  await Promise.all(range(count).map((n) => oneTest(n)));
  const wallMs = performance.now() - startedAt;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  return { wallMs, peakRssMB: process.resourceUsage().maxRSS / 1024, peakHeapUsedMB: peakHeap / 2 ** 20 };
}

/** Calls per second of `fn`: the best of five 100 ms rounds (the least disturbed by the machine). */
function callsPerSecond(fn: () => unknown): number {
  let best = 0;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const startedAt = process.hrtime.bigint();
    let calls = 0;
    while (process.hrtime.bigint() - startedAt < 100_000_000n) {
      for (let i = 0; i < 10_000; i++) sink += Number(fn()) & 1;
      calls += 10_000;
    }
    best = Math.max(best, calls / (Number(process.hrtime.bigint() - startedAt) / 1e9));
  }
  if (sink < 0) console.log(sink); // keeps the calls from being optimised away
  return best;
}

/** W1 on its own SQLite file; with `guarded`, a test environment (guard on) stays open beside it. */
async function partW1(guarded: boolean, run: number): Promise<Metrics> {
  const env = guarded ? await createTestEnvironment({ functions: [sendReminder, trial] }) : undefined;
  const store = newRunStore("sqlite", `KIT${guarded ? "G" : "P"}`, run);
  try {
    const dateNowPerSec = callsPerSecond(() => Date.now());
    const newDatePerSec = callsPerSecond(() => new Date(1_700_000_000_000).getTime());
    const { wallMs } = await w1.run(store.url);
    return { wallMs: wallMs!, dateNowPerSec, newDatePerSec };
  } finally {
    await env?.close();
    await store.cleanup();
  }
}

/** Runs one part in a fresh process and returns its metrics. */
function child(args: string[]): Promise<Metrics> {
  return new Promise((resolveMetrics, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", SELF, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    proc.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`testkit.ts ${args.join(" ")} exited ${code}`));
      resolveMetrics(JSON.parse(stdout.trim().split("\n").pop()!) as Metrics);
    });
  });
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
}

function line(label: string, runs: Metrics[], metric: string, unit: string): string {
  const values = runs.map((r) => r[metric]!);
  return `${label}: median ${formatNumber(median(values))} ${unit} (runs: ${values.map(formatNumber).join(" · ")})`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [part] = args;
  const emit = (metrics: Metrics): void => void process.stdout.write(`${JSON.stringify(metrics)}\n`);
  if (part === "single") return emit(await partSingle(option(args, "--tests", 50)));
  if (part === "parallel") return emit(await partParallel(option(args, "--parallel", 200)));
  if (part === "w1") return emit(await partW1(args.includes("--guarded"), option(args, "--run", 1)));

  const runs = option(args, "--runs", 5);
  const tests = option(args, "--tests", 50);
  const parallel = option(args, "--parallel", 200);
  const at = args.indexOf("--parts");
  const parts = at === -1 ? ["1", "2", "3"] : (args[at + 1] ?? "").split(",");
  console.log(`${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const machine = describeMachine(tmpdir());
  console.log(`${machineLine(machine)}; W1: ${storeLine(machine)}; test environments: SQLite in memory`);
  const loads: number[] = [];
  const each = async (a: string[]): Promise<Metrics> => {
    loads.push(loadavg()[0]!);
    return child(a);
  };

  if (parts.includes("1")) {
    const single: Metrics[] = [];
    for (let i = 0; i < runs; i++) single.push(await each(["single", "--tests", String(tests)]));
    console.log(line(`1. one test, ${tests} after warm-up`, single, "medianMs", "ms"));
    console.log(line("   p95", single, "p95Ms", "ms"));
  }
  if (parts.includes("2")) {
    const wide: Metrics[] = [];
    for (let i = 0; i < runs; i++) wide.push(await each(["parallel", "--parallel", String(parallel)]));
    console.log(line(`2. ${parallel} tests at once, wall`, wide, "wallMs", "ms"));
    console.log(line("   peak RSS", wide, "peakRssMB", "MB"));
    console.log(line("   peak heapUsed", wide, "peakHeapUsedMB", "MB"));
  }
  if (parts.includes("3")) {
    const plain: Metrics[] = [];
    const guarded: Metrics[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternated, so that a change of load hits both kinds alike.
      plain.push(await each(["w1", "--run", String(i)]));
      guarded.push(await each(["w1", "--guarded", "--run", String(i)]));
    }
    console.log(line("3. W1 wall, no guard in the process", plain, "wallMs", "ms"));
    console.log(line("   W1 wall, a guarded test environment open", guarded, "wallMs", "ms"));
    console.log(line("   Date.now() per second, no guard", plain, "dateNowPerSec", "/s"));
    console.log(line("   Date.now() per second, guard installed", guarded, "dateNowPerSec", "/s"));
    console.log(line("   new Date(x) per second, no guard", plain, "newDatePerSec", "/s"));
    console.log(line("   new Date(x) per second, guard installed", guarded, "newDatePerSec", "/s"));
    const ratio = (metric: string): string => formatNumber(median(guarded.map((r) => r[metric]!)) / median(plain.map((r) => r[metric]!)));
    console.log(`   guarded / plain: W1 ×${ratio("wallMs")}, Date.now() ×${ratio("dateNowPerSec")}, new Date(x) ×${ratio("newDatePerSec")}`);
  }
  console.log(`load average (1 min) before each process: ${formatNumber(Math.min(...loads))}–${formatNumber(Math.max(...loads))}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
