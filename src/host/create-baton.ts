/**
 * createBaton: the entry point that wires a store, the registry, a worker and a client
 * together in one process. Options are checked up front; a typo gets a corrective message.
 */
import { BatonClient } from "../client/client.js";
import { observeWorkload } from "../observability/metrics.js";
import type { ActivityOptions } from "../definitions/activity.js";
import { toMs, type Duration } from "../definitions/duration.js";
import type { Logger } from "../definitions/logger.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../definitions/payload.js";
import { Registry } from "../definitions/registry.js";
import type { RetryPolicy } from "../definitions/retry-policy.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import { InvalidArgumentError } from "../errors.js";
import { consoleLogger } from "../observability/console-logger.js";
import { openStore } from "../store/open-store.js";
import { CompletionNotifier } from "../support/completion-notifier.js";
import type { ActivityWorkItem, WorkQueue } from "../store/store.js";
import type { LongTimeout } from "../support/long-timeout.js";
import { Worker, type WorkerLimits } from "../worker/worker.js";
import { withActivityOptions } from "./activity-overrides.js";
import { atLeast, boolean, nonNegativeInt, positiveInt } from "./option-checks.js";

export interface BatonOptions {
  /**
   * Store URL: "sqlite:./baton.db" or "sqlite:/abs/path.db" (add "?synchronous=NORMAL" to trade
   * durability for speed), or "postgres://user@host:5432/db?schema=myapp" for many machines.
   */
  store: string;
  /** The activities and orchestrations this process hosts. */
  functions: readonly FunctionDefinition[];
  /** Activities running at once in this process. Default 100. */
  maxConcurrentActivities?: number;
  /** Orchestration episodes running at once in this process. Default 100. */
  maxConcurrentOrchestrations?: number;
  /** How long a claim lasts without renewal; bounds how long a killed worker's work waits. Default 15s. */
  leaseMs?: Duration;
  /** Fallback poll for work written by other processes. Default 250ms. */
  pollIntervalMs?: Duration;
  /** Largest input, output, event or custom status, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Orchestrations kept live in memory between episodes. Default 10,000. */
  maxCachedOrchestrations?: number;
  /** Approximate memory those live orchestrations may take, in bytes. Default 64 MiB. */
  maxCachedOrchestrationBytes?: number;
  /** Where ctx.log, activity logs and worker messages go. Default: the console (info and above). */
  logger?: Logger;
  /**
   * Run an activity this process hosts right away, inside the episode that schedules it, and
   * commit its result together with that episode (one transaction per chain of quick steps
   * instead of two per step). Set false to have every call committed to the task queue before
   * it starts. Default true. See docs/guarantees.md, "Inline activities".
   */
  inlineActivities?: boolean;
  /**
   * Options for hosted activities by name, over those of their definitions (e.g. a
   * `concurrency` cap or a `retry` policy set per deployment in baton.config). Each name must
   * be an activity in `functions`.
   */
  activities?: Readonly<Record<string, ActivityOptions>>;
  /** The retry policy of hosted activities whose definition sets none. Default: no retries. */
  defaultActivityRetry?: RetryPolicy;
  /**
   * Called after each committed episode with the history events it appended, in order: for
   * live logs (`baton dev` prints them) and metrics. Keep it quick; what it throws is logged.
   */
  onHistory?: (instanceId: string, events: readonly HistoryEntry[]) => void;
  /**
   * Inside orchestration code, make `Date.now()`, `new Date()` without arguments, `Date()`,
   * `Math.random()`, `crypto.randomUUID()` (global and node:crypto's), `performance.now()`,
   * `setTimeout`, `setInterval` and `setImmediate` throw NondeterministicCallError naming the
   * `ctx` replacement, and stall the episode. Activities and all other code in the process are
   * untouched. For development and tests (`baton dev --guard`). Default false.
   */
  determinismGuard?: boolean;
}

export interface Baton {
  readonly client: BatonClient;
  /** Starts the worker loops in this process. */
  start(): Promise<void>;
  /** Stops claiming, lets running work finish for up to `timeoutMs` (default 30s), releases the rest, closes the store. */
  stop(options?: StopOptions): Promise<void>;
}

export interface StopOptions {
  /** How long running work may take to finish before it is released. Default 30s. */
  timeoutMs?: number;
}

const BATON_OPTION_KEYS = knownKeys<BatonOptions>()({
  store: true,
  functions: true,
  maxConcurrentActivities: true,
  maxConcurrentOrchestrations: true,
  leaseMs: true,
  pollIntervalMs: true,
  maxPayloadBytes: true,
  maxCachedOrchestrations: true,
  maxCachedOrchestrationBytes: true,
  logger: true,
  inlineActivities: true,
  activities: true,
  defaultActivityRetry: true,
  onHistory: true,
  determinismGuard: true,
});
const STOP_OPTION_KEYS = knownKeys<StopOptions>()({ timeoutMs: true });

/**
 * Opens the store and prepares a worker and a client.
 *
 * @example
 * const baton = await createBaton({ store: "sqlite:./baton.db", functions: [greet, hello] });
 * await baton.start();
 * const id = await baton.client.startNew(hello, { input: "Tokyo" });
 */
export async function createBaton(options: BatonOptions): Promise<Baton> {
  return (await assembleBaton(options, { now: () => Date.now() })).baton;
}

/**
 * What the test kit (src/testing) changes in a baton, and nothing else: the clock that the
 * worker, the client and the store read, and a cue when the worker may have gone idle.
 * Internal: not exported from the package's entry points.
 */
export interface BatonInternals {
  now: () => number;
  onSettled?: () => void;
  /** Timers on that clock, for activity and heartbeat timeouts. */
  setTimer?: (callback: () => void, delayMs: number) => LongTimeout;
  /**
   * The store each worker writes through, and its cue that an attempt ended: the test kit cuts
   * a crashed worker off there (testing/crashes.ts). Called once per worker.
   */
  workerStore?: (store: WorkQueue) => { store: WorkQueue; attemptFinished?: (task: ActivityWorkItem) => void };
}

/** A baton with its worker, for the test kit to watch, wake and replace. */
export interface AssembledBaton {
  baton: Baton;
  /** The worker running now. */
  readonly worker: Worker;
  /**
   * Halts the worker as a SIGKILL would (nothing released, leases left to expire) and starts a
   * fresh one, with a new id and an empty cache, on the same store.
   */
  replaceWorker(): Promise<Worker>;
}

/** createBaton on a given clock (the production one passes Date.now). */
export async function assembleBaton(options: BatonOptions, internals: BatonInternals): Promise<AssembledBaton> {
  checkKeys(options, BATON_OPTION_KEYS, "createBaton");
  const registry = new Registry(withActivityOptions(options.functions ?? [], options.activities, options.defaultActivityRetry));
  const limits = resolveLimits(options);
  const logger = options.logger ?? consoleLogger();
  if (options.onHistory !== undefined && typeof options.onHistory !== "function") {
    throw new InvalidArgumentError("createBaton: onHistory must be a function.");
  }
  const { now, onSettled, setTimer, workerStore } = internals;
  const store = await openStore(options.store, { clock: now });
  const notifier = new CompletionNotifier();
  const newWorker = (): Worker => {
    const through = workerStore?.(store);
    return new Worker({
      store: through?.store ?? store, registry, logger, notifier, now, limits,
      ...(options.onHistory ? { onHistory: options.onHistory } : {}),
      ...(onSettled ? { onSettled } : {}),
      ...(setTimer ? { setTimer } : {}),
      ...(through?.attemptFinished ? { attemptFinished: through.attemptFinished } : {}),
    });
  };
  let worker = newWorker();
  const client = new BatonClient({
    store,
    registry,
    notifier,
    maxPayloadBytes: limits.maxPayloadBytes,
    now,
    onEnqueued: (visibleAt) => worker.notifyEnqueued(visibleAt),
  });
  let stopped = false;
  let unobserve: (() => void) | undefined;
  const baton: Baton = {
    client,
    async start() {
      await worker.start();
      // The store's workload as OpenTelemetry gauges, read when the SDK collects (every worker
      // process reports the same store-wide figures: aggregate them with max, not sum).
      unobserve ??= observeWorkload(() => client.workload());
    },
    async stop(stopOptions) {
      if (stopOptions !== undefined) checkKeys(stopOptions, STOP_OPTION_KEYS, "stop");
      const timeoutMs = toMs(stopOptions?.timeoutMs ?? 30_000, "stop timeoutMs");
      if (stopped) return;
      stopped = true;
      unobserve?.();
      await worker.stop(timeoutMs);
      await client.close();
      await store.close();
    },
  };
  return {
    baton,
    get worker() {
      return worker;
    },
    async replaceWorker() {
      worker.halt();
      worker = newWorker();
      if (!stopped) await worker.start();
      return worker;
    },
  };
}

function resolveLimits(options: BatonOptions): WorkerLimits {
  return {
    maxConcurrentActivities: positiveInt(options.maxConcurrentActivities ?? 100, "maxConcurrentActivities"),
    maxConcurrentOrchestrations: positiveInt(options.maxConcurrentOrchestrations ?? 100, "maxConcurrentOrchestrations"),
    leaseMs: atLeast(toMs(options.leaseMs ?? 15_000, "leaseMs"), MIN_LEASE_MS, "leaseMs"),
    pollIntervalMs: atLeast(toMs(options.pollIntervalMs ?? 250, "pollIntervalMs"), MIN_POLL_INTERVAL_MS, "pollIntervalMs"),
    maxPayloadBytes: positiveInt(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, "maxPayloadBytes"),
    maxCachedRuns: nonNegativeInt(options.maxCachedOrchestrations ?? 10_000, "maxCachedOrchestrations"),
    maxCachedBytes: nonNegativeInt(options.maxCachedOrchestrationBytes ?? 64 * 2 ** 20, "maxCachedOrchestrationBytes"),
    maxMessagesPerEpisode: 1000,
    inlineActivities: boolean(options.inlineActivities ?? true, "inlineActivities"),
    determinismGuard: boolean(options.determinismGuard ?? false, "determinismGuard"),
  };
}

/** Below these, leases expire between renewals and polling becomes a busy loop. */
const MIN_LEASE_MS = 500;
const MIN_POLL_INTERVAL_MS = 5;
