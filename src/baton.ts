/**
 * createBaton and createClient: the entry points that wire a store, the registry, a worker
 * and a client together. Options are checked up front; a typo gets a corrective message.
 */
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./definitions/payload.js";
import type { Logger } from "./definitions/logger.js";
import type { FunctionDefinition } from "./definitions/orchestration.js";
import { Registry } from "./definitions/registry.js";
import { toMs, type Duration } from "./definitions/duration.js";
import { BatonClient } from "./client/client.js";
import { InvalidArgumentError } from "./errors.js";
import { consoleLogger } from "./observability/console-logger.js";
import { openStore } from "./store/open-store.js";
import { CompletionNotifier } from "./worker/completion-notifier.js";
import { Worker, type WorkerLimits } from "./worker/worker.js";

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
}

export interface Baton {
  readonly client: BatonClient;
  /** Starts the worker loops in this process. */
  start(): Promise<void>;
  /** Stops claiming, lets running work finish for up to `timeoutMs` (default 30s), releases the rest, closes the store. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const BATON_OPTION_KEYS: readonly (keyof BatonOptions)[] = [
  "store",
  "functions",
  "maxConcurrentActivities",
  "maxConcurrentOrchestrations",
  "leaseMs",
  "pollIntervalMs",
  "maxPayloadBytes",
  "maxCachedOrchestrations",
  "maxCachedOrchestrationBytes",
  "logger",
  "inlineActivities",
];

/**
 * Opens the store and prepares a worker and a client.
 *
 * @example
 * const baton = await createBaton({ store: "sqlite:./baton.db", functions: [greet, hello] });
 * await baton.start();
 * const id = await baton.client.startNew(hello, { input: "Tokyo" });
 */
export async function createBaton(options: BatonOptions): Promise<Baton> {
  checkKeys(options, BATON_OPTION_KEYS, "createBaton");
  const registry = new Registry(options.functions ?? []);
  const limits = resolveLimits(options);
  const logger = options.logger ?? consoleLogger();
  const store = await openStore(options.store);
  const notifier = new CompletionNotifier();
  const now = (): number => Date.now();
  const worker = new Worker({ store, registry, logger, notifier, now, limits });
  const client = new BatonClient({
    store,
    registry,
    notifier,
    maxPayloadBytes: limits.maxPayloadBytes,
    now,
    onEnqueued: (visibleAt) => worker.notifyEnqueued(visibleAt),
  });
  let stopped = false;
  return {
    client,
    start: () => worker.start(),
    async stop(stopOptions) {
      if (stopped) return;
      stopped = true;
      await worker.stop(stopOptions?.timeoutMs ?? 30_000);
      await client.close();
      await store.close();
    },
  };
}

/** A client for a process that runs no worker. Close it with client.close(). */
export async function createClient(options: { store: string; maxPayloadBytes?: number }): Promise<BatonClient> {
  checkKeys(options, ["store", "maxPayloadBytes"], "createClient");
  const maxPayloadBytes = positiveInt(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, "maxPayloadBytes");
  const store = await openStore(options.store);
  return new BatonClient({ store, maxPayloadBytes, now: () => Date.now(), onClose: () => store.close() });
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
  };
}

function checkKeys(options: object, known: readonly string[], where: string): void {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError(`${where} needs an options object.`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || levenshtein(k, key) <= 2);
    throw new InvalidArgumentError(
      `${where}: unknown option "${key}".${close ? ` Did you mean "${close}"?` : ""} Known options: ${known.join(", ")}.`,
    );
  }
}

/** Below these, leases expire between renewals and polling becomes a busy loop. */
const MIN_LEASE_MS = 500;
const MIN_POLL_INTERVAL_MS = 5;

function atLeast(ms: number, min: number, what: string): number {
  if (ms < min) throw new InvalidArgumentError(`${what} must be at least ${min} ms, got ${ms}.`);
  return ms;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${what} must be a whole number >= 1, got ${value}.`);
  return value;
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw new InvalidArgumentError(`${what} must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

function nonNegativeInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`${what} must be a whole number >= 0, got ${value}.`);
  return value;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
