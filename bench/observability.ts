/**
 * What tracing costs: `npx tsx bench/observability.ts` (a script of its own, like testkit.ts:
 * it compares kinds of process, not stores).
 *
 * W1 and W3 (bench/scenarios) on SQLite, each run in a fresh process of one of these kinds,
 * every kind once per round (each round starting with another) so that a change of load hits
 * all of them alike:
 *   - `none`:   no OpenTelemetry SDK (the API is a no-op: what every user without one pays);
 *   - `sdk`:    a tracer provider and the AsyncLocalStorage context manager, no span processor
 *               (spans are recorded, then dropped: the SDK's own cost);
 *   - `memory`: the same with a BatchSpanProcessor into an InMemorySpanExporter (the
 *               processor a production setup exports through: spans leave in batches, off the
 *               path of the work);
 *   - `simple`: the same with a SimpleSpanProcessor (one export per span as it ends: meant for
 *               tests and debugging, measured to show what it costs);
 *   - `sampled`: as `memory`, sampling one trace in ten (ParentBased(TraceIdRatioBased(0.1))),
 *               as a production setup often does: the other nine get ids and a context, no span;
 *   - `before`: with `--baseline <dir>`, the scenario run by the bench/child.ts of another
 *               checkout (the code before tracing), no SDK.
 *   - `context`: the AsyncLocalStorage context manager alone, no tracer provider, never entered;
 *   - `hooks`:  the same, entered once (`context.with`), as any instrumentation does: Node 20's
 *               AsyncLocalStorage then tracks every promise of the process, Baton's or not.
 * Wall times on a shared machine vary by more than the costs sought: each run also reports the
 * process's CPU time for the workload (`cpuMs`). And `micro`: the worker's spans alone, in
 * nanoseconds per episode span and per attempt span, in a process of each kind (no SDK, the
 * context manager alone, the SDK without processor), which bounds Baton's own share directly.
 *
 * Options: --runs N (default 5) processes of each kind, --measured N (default 1) measured runs
 * in each process, of which it reports the median (processes differ by ±30 % on W1, a
 * process's runs much less), --baseline <dir>, --workloads W1,W3, --kinds none,sdk,…, and
 * --warm [N]: each process first runs its workload N times (default 5), unmeasured (JIT, lazily
 * loaded modules, the SDK's first spans), as a long-running worker has (no `before` then: its
 * runner cannot). One warm-up is not enough: the SDK's code paths settle after a few thousand
 * spans (a W3 run makes ~1,100), and until then a run with an SDK costs up to twice its
 * steady state.
 */
import { spawn } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { EpisodeSpan, AttemptSpan } from "../src/worker/work-spans.js";
import type { ActivityWorkItem, OrchestrationWorkItem } from "../src/store/store.js";
import { describeMachine, machineLine, storeLine } from "./machine.js";
import { check, type Scenario } from "./scenario.js";
import { formatNumber, median } from "./stats.js";
import { newRunStore } from "./stores.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SELF = join(ROOT, "bench", "observability.ts");
const MODULES = { W1: "./scenarios/w1-chains.ts", W3: "./scenarios/w3-latency.ts" } as const;
type Workload = keyof typeof MODULES;
const KINDS = ["none", "context", "hooks", "sdk", "memory", "simple", "sampled"] as const;
type Kind = (typeof KINDS)[number] | "before";
type Metrics = Record<string, number>;
/** The metric each workload is judged by. */
const MAIN_METRIC: Record<Workload, string> = { W1: "wallMs", W3: "medianMs" };

/**
 * Installs the SDK a kind of process runs with; returns how many spans it exported since it
 * was last asked, if it exports. The SDK's modules are loaded only by the kinds that use them:
 * a `none` process loads what a process without an SDK loads.
 */
async function installSdk(kind: Kind): Promise<() => Promise<number>> {
  if (kind === "none" || kind === "before") return async () => 0;
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler } = await import("@opentelemetry/sdk-trace-base");
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (kind === "context") return async () => 0;
  // Node 20's AsyncLocalStorage turns on its promise hooks at its first run(), for good.
  if (kind === "hooks") return context.with(ROOT_CONTEXT, () => async () => 0);
  const exporter = new InMemorySpanExporter();
  const processor = kind === "simple" ? new SimpleSpanProcessor(exporter) : kind === "sdk" ? undefined : new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    ...(processor ? { spanProcessors: [processor] } : {}),
    ...(kind === "sampled" ? { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) } : {}),
  });
  trace.setGlobalTracerProvider(provider);
  // The spans exported since the last call: those of the warm-up runs are dropped, not kept in the heap.
  return async () => {
    await provider.forceFlush();
    const exported = exporter.getFinishedSpans().length;
    exporter.reset();
    return exported;
  };
}

/** A new instance of the scenario's module (its own call counters, which it checks), one per run. */
async function freshScenario(workload: Workload, tag: string): Promise<Scenario> {
  const module = (await import(`${new URL(MODULES[workload], import.meta.url).href}?${tag}`)) as Record<string, Scenario>;
  return module[workload.toLowerCase()]!;
}

async function runWorkload(workload: Workload, kind: Kind, run: number, warmRuns: number, measuredRuns: number): Promise<Metrics> {
  const spans = await installSdk(kind);
  for (let i = 0; i < warmRuns; i++) {
    // Unmeasured, each on a store of its own: what is left is what a long-running worker pays
    // per run.
    const scenario = await freshScenario(workload, `warm${i}`);
    const first = newRunStore("sqlite", `OBS${workload}${kind}warm`, run * 100 + i);
    await scenario.run(first.url).finally(() => first.cleanup());
  }
  await spans();
  const measured: Metrics[] = [];
  for (let i = 0; i < measuredRuns; i++) {
    const scenario = await freshScenario(workload, `measured${i}`);
    const store = newRunStore("sqlite", `OBS${workload}${kind}`, run * 100 + i);
    try {
      const cpuBefore = process.cpuUsage();
      const metrics = await scenario.run(store.url);
      const cpu = process.cpuUsage(cpuBefore);
      metrics.cpuMs = (cpu.user + cpu.system) / 1000;
      // W1: 500 starts and 1,500 attempts at least; W3: 55 starts and 550 attempts.
      const exported = await spans();
      if (kind === "memory" || kind === "simple") check(exported >= (workload === "W1" ? 2000 : 605), `${workload}: only ${exported} spans exported`);
      measured.push({ ...metrics, spans: exported });
    } finally {
      await store.cleanup();
    }
  }
  // The process's median of each figure: one process's runs vary less than processes do.
  return Object.fromEntries(Object.keys(measured[0]!).map((key) => [key, median(measured.map((m) => m[key]!))]));
}

/** Nanoseconds per episode span and per attempt span (run + end), in a process of this kind: the best of five rounds. */
async function micro(kind: Kind): Promise<Metrics> {
  await installSdk(kind);
  const item: OrchestrationWorkItem = { instanceId: "i", name: "Orch", executionId: "e", historyLength: 3, leaseToken: "t", messages: [] };
  const task: ActivityWorkItem = {
    instanceId: "i", executionId: "e", seq: 0, name: "Act", input: undefined, attempt: 1, idempotencyKey: "k", retry: null, firstVisibleAt: 0, leaseToken: "t",
  };
  const result = { newEvents: [], commands: [], runtimeStatus: "Running" as const };
  const op = { type: "activityCompleted" as const, task, output: undefined };
  const nsPer = (fn: () => void): number => {
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const n = 200_000;
      const startedAt = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      best = Math.min(best, Number(process.hrtime.bigint() - startedAt) / n);
    }
    return best;
  };
  return {
    episodeSpanNs: nsPer(() => {
      const span = new EpisodeSpan(item, "w");
      span.ran([], result);
      span.end();
    }),
    attemptSpanNs: nsPer(() => {
      const span = new AttemptSpan(task, "w");
      span.run(() => 1);
      span.end(op, undefined);
    }),
  };
}

/** Runs one process of a kind and returns its metrics (the last JSON line it prints). */
function child(args: string[], cwd = ROOT, script = SELF): Promise<Metrics> {
  return new Promise((resolveMetrics, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script, ...args], { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    proc.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(" ")} exited ${code}`));
      const last = JSON.parse(stdout.trim().split("\n").pop()!) as Metrics & { metrics?: Metrics };
      resolveMetrics(last.metrics ?? last);
    });
  });
}

/** The code before tracing, run by its own bench/child.ts on a store of its own. */
async function baselineRun(dir: string, workload: Workload, run: number): Promise<Metrics> {
  const store = newRunStore("sqlite", `OBS${workload}before`, run);
  try {
    return await child([workload, store.url], dir, join(dir, "bench", "child.ts"));
  } finally {
    await store.cleanup();
  }
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const emit = (metrics: Metrics): void => void process.stdout.write(`${JSON.stringify(metrics)}\n`);
  if (args[0] === "run") return emit(await runWorkload(args[1] as Workload, args[2] as Kind, Number(args[3]), Number(option(args, "--warm") ?? 0), Number(option(args, "--measured") ?? 1)));
  if (args[0] === "micro") return emit(await micro((args[1] ?? "none") as Kind));

  const runs = Number(option(args, "--runs") ?? 5);
  const baseline = option(args, "--baseline");
  const workloads = (option(args, "--workloads") ?? "W1,W3").split(",") as Workload[];
  const warmAt = args.indexOf("--warm");
  const warmRuns = warmAt === -1 ? 0 : /^\d+$/.test(args[warmAt + 1] ?? "") ? Number(args[warmAt + 1]) : 5;
  const warm = warmRuns > 0;
  const measuredRuns = Number(option(args, "--measured") ?? 1);
  const chosen = (option(args, "--kinds")?.split(",") as Kind[] | undefined) ?? [...KINDS];
  const kinds: Kind[] = baseline && !warm ? ["before", ...chosen] : chosen;
  console.log(`${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const machine = describeMachine(tmpdir());
  console.log(`${machineLine(machine)}; ${storeLine(machine)}`);
  const loads: number[] = [];

  for (const workload of workloads) {
    const results = new Map<Kind, Metrics[]>(kinds.map((kind) => [kind, []]));
    for (let run = 0; run < runs; run++) {
      // Each round starts with another kind: no kind always runs first, or always after the same one.
      for (const kind of [...kinds.slice(run % kinds.length), ...kinds.slice(0, run % kinds.length)]) {
        loads.push(loadavg()[0]!);
        const metrics = kind === "before" ? await baselineRun(resolve(baseline!), workload, run) : await child(["run", workload, kind, String(run), "--warm", String(warmRuns), "--measured", String(measuredRuns)]);
        results.get(kind)!.push(metrics);
      }
    }
    const metric = MAIN_METRIC[workload];
    const reference = median(results.get("none")!.map((m) => m[metric]!));
    for (const kind of kinds) {
      const values = results.get(kind)!.map((m) => m[metric]!);
      const ratio = median(values) / reference;
      const spans = kind === "memory" || kind === "simple" || kind === "sampled" ? `, ${formatNumber(median(results.get(kind)!.map((m) => m.spans!)))} spans per run` : "";
      // Each round's ratio to its own `none` process: a change of load between rounds cancels out.
      const paired = median(values.map((value, round) => value / results.get("none")![round]![metric]!));
      console.log(
        `${workload} ${metric} ${kind.padEnd(7)}: median ${formatNumber(median(values))} ms, ×${ratio.toFixed(3)} of none, ×${paired.toFixed(3)} paired by round` +
          ` (${measuredRuns > 1 ? "per-process medians" : "runs"}: ${values.map(formatNumber).join(" · ")})${spans}`,
      );
      if (kind !== "before") {
        const cpu = results.get(kind)!.map((m) => m.cpuMs!);
        const cpuRatio = median(cpu) / median(results.get("none")!.map((m) => m.cpuMs!));
        console.log(`${workload} cpuMs  ${kind.padEnd(7)}: median ${formatNumber(median(cpu))} ms, ×${cpuRatio.toFixed(3)} of none`);
      }
    }
  }
  // Not "memory": two million spans kept in memory would measure the heap, not the spans.
  for (const kind of ["none", "context", "hooks", "sdk"] as const) {
    const costs = await child(["micro", kind]);
    console.log(`${kind.padEnd(7)}: ${formatNumber(costs.episodeSpanNs!)} ns per episode span, ${formatNumber(costs.attemptSpanNs!)} ns per attempt span (best of 5 rounds of 200,000)`);
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
