/**
 * What Baton's spans cost with an SDK installed, measured in one process:
 * `npx tsx bench/span-costs.ts [W1|W3] [--cycles 20] [--warm 6] [--memory]`.
 *
 * bench/observability.ts compares fresh processes, whose spread (W1's wall time varies by
 * ±30 % from one process to the next) hides differences of a few percent. Here one process
 * runs the workload again and again, alternating modes that differ only in what becomes of
 * Baton's spans: a tracer provider hands each span to the SDK or to the API's no-op. JIT state,
 * heap and machine load are then shared by all. The modes:
 *   - `none`: no span recorded — the SDK's context manager is on, as in any instrumented
 *     process, so what is left is Baton's spans alone (on Node 20 the context manager's own
 *     cost is in both: bench/observability.ts's `hooks` kind measures it);
 *   - `sdk`: the SDK's own work alone — every span is recorded and exported as in `all`, but
 *     Baton is handed a span whose context is the no-op's, so it propagates nothing (no stored
 *     traceparent, no parsing, no active context around an activity). `all` − `sdk` is then
 *     what Baton adds to the SDK's cost, `sdk` − `none` what any instrumentation of the same
 *     spans would cost;
 *   - `all`: every span recorded, exported through a BatchSpanProcessor into memory;
 *   - `sampled`: as `all`, with head sampling: ParentBased(TraceIdRatioBased(0.1)), so about
 *     one instance in ten records its spans; the others still carry their (unsampled) trace.
 * With `--split`, three more modes take one kind of span out of `sdk`: `sdk -startNew`,
 * `sdk -episode` and `sdk -activity` record every span but those whose names begin so (those
 * are the no-op's). As nothing propagates in `sdk`, taking a kind out changes no other span:
 * `sdk` − `sdk -X` is what spans of kind X cost, the figure to weigh when deciding whether to
 * make them.
 * Runs of the first `--warm` cycles are not counted. `--memory` runs on `sqlite::memory:` (no
 * fsync: the engine's own costs, magnified); else a SQLite file per run.
 */
import { context, ProxyTracerProvider, trace, type Attributes, type AttributeValue, type Context, type Exception, type Span, type SpanContext, type SpanOptions, type SpanStatus, type TimeInput, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import type { Scenario } from "./scenario.js";
import { formatNumber, median } from "./stats.js";
import { newRunStore } from "./stores.js";

const MODULES = { W1: "./scenarios/w1-chains.ts", W3: "./scenarios/w3-latency.ts" } as const;
const MAIN_METRIC = { W1: "wallMs", W3: "medianMs" } as const;
const SPLIT = ["sdk -startNew", "sdk -episode", "sdk -activity"] as const;
type Mode = "none" | "sdk" | "all" | "sampled" | (typeof SPLIT)[number];

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

const args = process.argv.slice(2);
const workload = (args.find((a) => a === "W1" || a === "W3") ?? "W1") as keyof typeof MODULES;
const cycles = Number(option(args, "--cycles") ?? 20);
const warmCycles = Number(option(args, "--warm") ?? 6);
const inMemory = args.includes("--memory");
const MODES: readonly Mode[] = ["none", "sdk", "all", "sampled", ...(args.includes("--split") ? SPLIT : [])];

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const sdk = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const sampling = new BasicTracerProvider({
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
// A proxy with no delegate: the API's no-op tracer, as in a process without an SDK.
const noop = new ProxyTracerProvider().getTracer("no-op");
let current: Mode = "none";
let spans = 0;
trace.setGlobalTracerProvider({
  getTracer(name: string, version?: string): Tracer {
    const real = sdk.getTracer(name, version);
    const sampled = sampling.getTracer(name, version);
    return {
      startSpan(spanName: string, options?: SpanOptions, parent?: Context) {
        if (current === "none" || (current.startsWith("sdk -") && spanName.startsWith(current.slice(5)))) return noop.startSpan(spanName, options, parent);
        spans++;
        if (current === "sampled") return sampled.startSpan(spanName, options, parent);
        const recorded = real.startSpan(spanName, options, parent);
        return current === "all" ? recorded : new UnpropagatedSpan(recorded, noop.startSpan(spanName, options, parent).spanContext());
      },
      startActiveSpan: real.startActiveSpan.bind(real),
    };
  },
});

/** A recorded span that shows Baton the no-op's context: everything is recorded, nothing propagated. */
class UnpropagatedSpan implements Span {
  constructor(
    private readonly recorded: Span,
    private readonly shown: SpanContext,
  ) {}
  spanContext(): SpanContext {
    return this.shown;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.recorded.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.recorded.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): this {
    this.recorded.addEvent(name, attributes, time);
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.recorded.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.recorded.updateName(name);
    return this;
  }
  end(endTime?: TimeInput): void {
    this.recorded.end(endTime);
  }
  isRecording(): boolean {
    return this.recorded.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    this.recorded.recordException(exception, time);
  }
}

let runs = 0;
async function runOnce(mode: Mode): Promise<Record<string, number>> {
  current = mode;
  spans = 0;
  // A new instance of the scenario's module per run: its call counters, which it checks, start at 0.
  const scenario = ((await import(`${new URL(MODULES[workload], import.meta.url).href}?run${runs++}`)) as Record<string, Scenario>)[workload.toLowerCase()]!;
  const store = newRunStore("sqlite", `SPANS${workload}`, runs);
  try {
    const cpuBefore = process.cpuUsage();
    const metrics = await scenario.run(inMemory ? "sqlite::memory:" : store.url);
    const cpu = process.cpuUsage(cpuBefore);
    await Promise.all([sdk.forceFlush(), sampling.forceFlush()]);
    return { ...metrics, cpuMs: (cpu.user + cpu.system) / 1000, spans, recorded: exporter.getFinishedSpans().length };
  } finally {
    exporter.reset();
    await store.cleanup();
  }
}

const results = new Map<Mode, Record<string, number>[]>(MODES.map((mode) => [mode, []]));
for (let cycle = 0; cycle < warmCycles + cycles; cycle++) {
  // Each cycle starts with the other mode: neither always runs first, after the same one.
  const order = [...MODES.slice(cycle % MODES.length), ...MODES.slice(0, cycle % MODES.length)];
  for (const mode of order) {
    const metrics = await runOnce(mode);
    if (cycle >= warmCycles) results.get(mode)!.push(metrics);
  }
}

const metric = MAIN_METRIC[workload];
const medianOf = (mode: Mode, key: string): number => median(results.get(mode)!.map((m) => m[key]!));
console.log(`${workload} on ${inMemory ? "sqlite::memory:" : "a SQLite file"}, Node ${process.version}, medians of ${cycles} cycles after ${warmCycles} warm-up cycles`);
for (const mode of MODES) {
  console.log(
    `${mode.padEnd(13)} ${metric} ${formatNumber(medianOf(mode, metric))} ×${(medianOf(mode, metric) / medianOf("none", metric)).toFixed(3)}` +
      `   cpuMs ${formatNumber(medianOf(mode, "cpuMs"))} ×${(medianOf(mode, "cpuMs") / medianOf("none", "cpuMs")).toFixed(3)}` +
      `   spans ${formatNumber(medianOf(mode, "spans"))} (${formatNumber(medianOf(mode, "recorded"))} recorded)`,
  );
}
const perSpanUs = (mode: Mode): number => ((medianOf(mode, "cpuMs") - medianOf("none", "cpuMs")) * 1000) / medianOf("all", "spans");
console.log(
  `${formatNumber(medianOf("all", "spans"))} spans per run: ~${formatNumber(perSpanUs("all"))} µs of CPU each, ` +
    `of which the SDK's own work ~${formatNumber(perSpanUs("sdk"))} µs`,
);
process.exit(0);
