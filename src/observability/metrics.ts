/**
 * Baton's metrics: one catalog, two outlets. Each figure goes to the OpenTelemetry metrics API
 * (meter "batonjs": a no-op until the application installs an SDK, as libraries should) and to
 * this process's own aggregate (local-metrics.ts), which GET /api/metrics prints as Prometheus
 * text for users without an SDK. The names below are what an OpenTelemetry Prometheus exporter
 * makes of the instruments (dots to underscores, the unit and `_total` appended), and the label
 * names are the same in both, so a dashboard works on either.
 *
 * The worker calls one `record…` function per event (a counter add or a histogram bucket: the
 * hot path pays no more). Gauges are read when collected: the slots of the workers running in
 * this process, and the store's workload (ready work, instances per status), which the caller
 * reads from a client (the HTTP API) or registers with observeWorkload (a started baton).
 *
 * Instruments are made from the global MeterProvider when first used and made again when it
 * changes (an SDK installed after this module loaded): install the SDK before starting Baton.
 */
import { metrics, type Counter, type Histogram, type Meter, type MeterProvider } from "@opentelemetry/api";
import { LocalCounter, LocalHistogram, type Sample, type Labels } from "./local-metrics.js";
import type { MetricFamily } from "./prometheus-text.js";

/** How an episode ended: the instance's status after its commit, or why nothing was committed. */
export type EpisodeOutcome = "running" | "completed" | "failed" | "terminated" | "continued_as_new" | "suspended" | "stalled" | "lease_lost" | "released";
/** How an activity attempt ended: its result, a retry scheduled, or a failure for good. */
export type AttemptOutcome = "completed" | "retry" | "failed";
export type QueueLabel = "orchestration" | "activity";

/** The store's figures a scrape reads (see store/workload.ts and client.workload()). */
export interface WorkloadFigures {
  ready: readonly { queue: QueueLabel; name: string; items: number; oldestAgeMs: number }[];
  instances: Readonly<Record<string, number>>;
}

/** A worker's slots, read when collected. */
export interface SlotFigures {
  used: { episodes: number; attempts: number };
  capacity: { episodes: number; attempts: number };
}

/** Seconds: from a millisecond to five minutes, for attempts, commits, claims and timer lateness. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The catalog: OpenTelemetry name and unit, Prometheus name, help. */
const CATALOG = {
  episodes: { otel: "baton.episodes", unit: "{episode}", prom: "baton_episodes_total", help: "Orchestration episodes run, by orchestration and outcome." },
  attempts: { otel: "baton.activity.attempts", unit: "{attempt}", prom: "baton_activity_attempts_total", help: "Activity attempts run, by activity and outcome." },
  attemptDuration: { otel: "baton.activity.duration", unit: "s", prom: "baton_activity_duration_seconds", help: "How long activity attempts ran, by activity and outcome." },
  commitDuration: { otel: "baton.commit.duration", unit: "s", prom: "baton_commit_duration_seconds", help: "How long a group commit (episodes and attempt outcomes, with the claim made in the same transaction) took in the store." },
  claimDuration: { otel: "baton.claim.duration", unit: "s", prom: "baton_claim_duration_seconds", help: "How long a claim of work took in the store." },
  timerLateness: { otel: "baton.timer.lateness", unit: "s", prom: "baton_timer_lateness_seconds", help: "How long after its due time a durable timer's episode started, by orchestration." },
  leasesLost: { otel: "baton.leases.lost", unit: "{lease}", prom: "baton_leases_lost_total", help: "Work whose lease had passed to another worker when its result was committed, by queue." },
  slotsUsed: { otel: "baton.worker.slots.used", unit: "{slot}", prom: "baton_worker_slots_used", help: "Slots in use per worker of this process, by kind (episode, attempt)." },
  slotsCapacity: { otel: "baton.worker.slots.capacity", unit: "{slot}", prom: "baton_worker_slots_capacity", help: "Slots per worker of this process, by kind (episode, attempt)." },
  ready: { otel: "baton.work.ready", unit: "{item}", prom: "baton_work_ready", help: "Work claimable now, by queue and function: instances with a visible message, or activity tasks." },
  readyAge: { otel: "baton.work.ready.oldest_age", unit: "s", prom: "baton_work_ready_oldest_age_seconds", help: "How long the oldest ready item has waited since it became visible, by queue and function." },
  instances: { otel: "baton.instances", unit: "{instance}", prom: "baton_instances", help: "Instances in the store, by runtime status." },
} as const;

// ---- this process's aggregate ----

const local = {
  episodes: new LocalCounter(),
  attempts: new LocalCounter(),
  attemptDuration: new LocalHistogram(SECONDS_BUCKETS),
  commitDuration: new LocalHistogram(SECONDS_BUCKETS),
  claimDuration: new LocalHistogram(SECONDS_BUCKETS),
  timerLateness: new LocalHistogram(SECONDS_BUCKETS),
  leasesLost: new LocalCounter(),
};

const workers = new Map<string, () => SlotFigures>();
const workloadSources = new Set<() => Promise<WorkloadFigures>>();

// ---- OpenTelemetry instruments, bound to the current global provider ----

interface Instruments {
  episodes: Counter;
  attempts: Counter;
  attemptDuration: Histogram;
  commitDuration: Histogram;
  claimDuration: Histogram;
  timerLateness: Histogram;
  leasesLost: Counter;
}

let bound: { provider: MeterProvider; instruments: Instruments } | undefined;

function otel(): Instruments {
  const provider = metrics.getMeterProvider();
  if (bound?.provider !== provider) bound = { provider, instruments: instrumentsOf(provider.getMeter("batonjs")) };
  return bound.instruments;
}

function instrumentsOf(meter: Meter): Instruments {
  const counter = (c: { otel: string; unit: string; help: string }) => meter.createCounter(c.otel, { unit: c.unit, description: c.help });
  const histogram = (c: { otel: string; unit: string; help: string }) =>
    meter.createHistogram(c.otel, { unit: c.unit, description: c.help, advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  const gauge = (c: { otel: string; unit: string; help: string }) => meter.createObservableGauge(c.otel, { unit: c.unit, description: c.help });

  const slotsUsed = gauge(CATALOG.slotsUsed);
  const slotsCapacity = gauge(CATALOG.slotsCapacity);
  meter.addBatchObservableCallback((result) => {
    for (const sample of slotSamples("used")) result.observe(slotsUsed, sample.value, sample.labels);
    for (const sample of slotSamples("capacity")) result.observe(slotsCapacity, sample.value, sample.labels);
  }, [slotsUsed, slotsCapacity]);

  const ready = gauge(CATALOG.ready);
  const readyAge = gauge(CATALOG.readyAge);
  const instances = gauge(CATALOG.instances);
  // One read of each store per collection, shared by the three gauges.
  meter.addBatchObservableCallback(async (result) => {
    const all = await Promise.all([...workloadSources].map((source) => source().catch(() => undefined)));
    for (const figures of all) {
      if (!figures) continue; // a store that did not answer: no figure rather than a failed collection
      for (const s of readySamples(figures)) result.observe(ready, s.value, s.labels);
      for (const s of readyAgeSamples(figures)) result.observe(readyAge, s.value, s.labels);
      for (const s of instanceSamples(figures)) result.observe(instances, s.value, s.labels);
    }
  }, [ready, readyAge, instances]);

  return {
    episodes: counter(CATALOG.episodes),
    attempts: counter(CATALOG.attempts),
    attemptDuration: histogram(CATALOG.attemptDuration),
    commitDuration: histogram(CATALOG.commitDuration),
    claimDuration: histogram(CATALOG.claimDuration),
    timerLateness: histogram(CATALOG.timerLateness),
    leasesLost: counter(CATALOG.leasesLost),
  };
}

// ---- what the worker records ----

/** A monotonic clock in milliseconds, for durations (never the store's or a virtual clock). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `work` and records how long it took with `record` (when it succeeded). */
export async function timed<T>(record: (durationMs: number) => void, work: () => Promise<T>): Promise<T> {
  const started = monotonicMs();
  const result = await work();
  record(monotonicMs() - started);
  return result;
}

/** The outcome label of an episode that committed with this runtime status ("ContinuedAsNew" → "continued_as_new"). */
export function committedOutcome(runtimeStatus: string): EpisodeOutcome {
  return runtimeStatus.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase() as EpisodeOutcome;
}

export function recordEpisode(orchestration: string, outcome: EpisodeOutcome): void {
  const labels = { orchestration, outcome };
  local.episodes.add(labels);
  otel().episodes.add(1, labels);
}

export function recordAttempt(activity: string, outcome: AttemptOutcome, durationMs: number): void {
  const labels = { activity, outcome };
  local.attempts.add(labels);
  local.attemptDuration.record(labels, durationMs / 1000);
  const instruments = otel();
  instruments.attempts.add(1, labels);
  instruments.attemptDuration.record(durationMs / 1000, labels);
}

export function recordCommit(durationMs: number): void {
  local.commitDuration.record({}, durationMs / 1000);
  otel().commitDuration.record(durationMs / 1000);
}

export function recordClaim(durationMs: number): void {
  local.claimDuration.record({}, durationMs / 1000);
  otel().claimDuration.record(durationMs / 1000);
}

export function recordTimerLateness(orchestration: string, latenessMs: number): void {
  const labels = { orchestration };
  local.timerLateness.record(labels, Math.max(0, latenessMs) / 1000);
  otel().timerLateness.record(Math.max(0, latenessMs) / 1000, labels);
}

export function recordLeaseLost(queue: QueueLabel): void {
  const labels = { queue };
  local.leasesLost.add(labels);
  otel().leasesLost.add(1, labels);
}

/** Reports a running worker's slots until the returned function is called (when it stops). */
export function trackSlots(workerId: string, read: () => SlotFigures): () => void {
  workers.set(workerId, read);
  otel(); // bind the gauges to the provider installed now, before any work is recorded
  return () => workers.delete(workerId);
}

/** Reports a store's workload through OpenTelemetry until the returned function is called. */
export function observeWorkload(source: () => Promise<WorkloadFigures>): () => void {
  workloadSources.add(source);
  otel();
  return () => workloadSources.delete(source);
}

// ---- collecting, for the Prometheus text ----

function slotSamples(which: "used" | "capacity"): Sample[] {
  return [...workers].flatMap(([workerId, read]) => {
    const figures = read()[which];
    return [
      { labels: { worker_id: workerId, kind: "episode" }, value: figures.episodes },
      { labels: { worker_id: workerId, kind: "attempt" }, value: figures.attempts },
    ];
  });
}

function readySamples(figures: WorkloadFigures): Sample[] {
  return figures.ready.map((r) => ({ labels: { queue: r.queue, function: r.name }, value: r.items }));
}

function readyAgeSamples(figures: WorkloadFigures): Sample[] {
  return figures.ready.map((r) => ({ labels: { queue: r.queue, function: r.name }, value: Math.max(0, r.oldestAgeMs) / 1000 }));
}

function instanceSamples(figures: WorkloadFigures): Sample[] {
  return Object.entries(figures.instances).map(([status, value]) => ({ labels: { status } as Labels, value }));
}

/** The store's figures as metric families (ready work, its age, instances per status). */
export function workloadFamilies(figures: WorkloadFigures): MetricFamily[] {
  return [
    { name: CATALOG.ready.prom, help: CATALOG.ready.help, type: "gauge", samples: readySamples(figures) },
    { name: CATALOG.readyAge.prom, help: CATALOG.readyAge.help, type: "gauge", samples: readyAgeSamples(figures) },
    { name: CATALOG.instances.prom, help: CATALOG.instances.help, type: "gauge", samples: instanceSamples(figures) },
  ];
}

/** What this process recorded, and the slots of its running workers, as metric families. */
export function processFamilies(): MetricFamily[] {
  const counter = (c: { prom: string; help: string }, counter: LocalCounter): MetricFamily => ({ name: c.prom, help: c.help, type: "counter", samples: counter.samples() });
  const histogram = (c: { prom: string; help: string }, histogram: LocalHistogram): MetricFamily => ({
    name: c.prom,
    help: c.help,
    type: "histogram",
    bounds: histogram.bounds,
    samples: histogram.samples(),
  });
  return [
    counter(CATALOG.episodes, local.episodes),
    counter(CATALOG.attempts, local.attempts),
    histogram(CATALOG.attemptDuration, local.attemptDuration),
    histogram(CATALOG.commitDuration, local.commitDuration),
    histogram(CATALOG.claimDuration, local.claimDuration),
    histogram(CATALOG.timerLateness, local.timerLateness),
    counter(CATALOG.leasesLost, local.leasesLost),
    { name: CATALOG.slotsUsed.prom, help: CATALOG.slotsUsed.help, type: "gauge", samples: slotSamples("used") },
    { name: CATALOG.slotsCapacity.prom, help: CATALOG.slotsCapacity.help, type: "gauge", samples: slotSamples("capacity") },
  ];
}
