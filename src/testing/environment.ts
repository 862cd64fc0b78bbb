/**
 * createTestEnvironment: the production baton (worker, engine, store, client) on a virtual
 * clock that the environment owns. While the test awaits a result and the worker is idle, the
 * clock jumps to the earliest work queued for later (a timer, a retry's backoff, a startAt);
 * it never jumps while anything runs, so an activity's real `await` keeps its real duration.
 *
 * ## Skipping, step by step
 * The worker reports when it may have gone idle (`onSettled`: its claim loop ended, its last
 * running work returned, a batch committed). One macrotask later the environment checks that it
 * still is (`worker.isIdle()`), then: it releases advanceTime's waiters; and if a
 * waitForCompletion is pending (and autoSkip is on) it asks the store for the earliest queued
 * time and, if that is ahead, moves the clock there and wakes the worker. Nothing waits on
 * wall time: every step follows an event of the worker.
 */
import type { BatonClient } from "../client/client.js";
import { toMs, toTimeMs, type Duration } from "../definitions/duration.js";
import { silentLogger } from "../definitions/logger.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import { ClosedError, CrashNotReachedError, InstanceNotFoundError, ReplayDivergedError, TimeoutError } from "../errors.js";
import type { InstanceStatus } from "../client/instance-status.js";
import { assembleBaton, type AssembledBaton, type BatonOptions } from "../host/create-baton.js";
import type { LongTimeout } from "../support/long-timeout.js";
import type { ActivityDefinition, ActivityFunction } from "../definitions/activity.js";
import { ActivityCalls, type ActivityCall, type ActivityOverrides, type FailActivityOptions, type OverrideActivityOptions } from "./activity-calls.js";
import { checkReplay, type ReplayCheckResult } from "./check-replay.js";
import { Crashes, type CrashOptions } from "./crashes.js";
import { VirtualClock } from "./virtual-clock.js";

export interface TestEnvironmentOptions
  extends Omit<BatonOptions, "store" | "functions" | "activities" | "logger">, Pick<Partial<BatonOptions>, "logger"> {
  /** The activities and orchestrations under test. */
  functions: readonly FunctionDefinition[];
  /** Implementations replacing activities in this environment: `{ Name: fn }`, or a Map keyed by definition or name. */
  activities?: ActivityOverrides;
  /** Any store URL. Default "sqlite::memory:" (a store of this environment's own, gone on close). */
  store?: string;
  /** Skip the clock ahead while a waitForCompletion is pending and only future work is queued. Default true. */
  autoSkip?: boolean;
  /** Where the virtual clock starts: a Date, an ISO string or epoch milliseconds. Default: now. */
  startTime?: Date | string | number;
}

export interface TestEnvironment {
  /** The client of the environment's baton. Its waitForCompletion lets the clock skip ahead. */
  readonly client: BatonClient;
  /** The environment's clock, in epoch milliseconds. */
  now(): number;
  /**
   * Moves the clock ahead by hand: first lets what is due now run, then moves the clock and
   * resolves once what became due has run and the worker is idle again.
   */
  advanceTime(duration: Duration): Promise<void>;
  /** The instance's history, as getStatus shows it. */
  history(instanceId: string): Promise<HistoryEntry[]>;
  /** Every attempt of an activity so far: input, attempt number, idempotency key, outcome. */
  activityCalls(definition: FunctionDefinition | string): ActivityCall[];
  /** The next `times` attempts of the activity fail with `error`, without running it. */
  failActivity(definition: FunctionDefinition | string, options?: FailActivityOptions): void;
  /**
   * From now on the activity's attempts run `fn` instead: every attempt, or only those numbered
   * in `attempts` (1 is the first) — e.g. a timeout on the first, the real call after.
   */
  overrideActivity<In, Out>(
    definition: ActivityDefinition<In, Out, string> | string,
    fn: ActivityFunction<In, Out>,
    options?: OverrideActivityOptions,
  ): void;
  /**
   * Replays every instance's history from scratch against the registered code; resolves with
   * one result per instance, or rejects with ReplayDivergedError naming each that diverged.
   */
  checkReplays(): Promise<ReplayCheckResult[]>;
  /**
   * Kills the worker when it reaches `at` (the in-process equivalent of SIGKILL: work in flight
   * abandoned, leases left to expire on the environment's clock) and starts a fresh one on the
   * same store. Awaited, it resolves once that happened (the clock skips meanwhile, as while
   * awaiting waitForCompletion); close() fails if it never happened.
   */
  crash(options: CrashOptions): PromiseLike<void>;
  /** Checks every history (checkReplays), then stops the worker and closes the store, even when the check fails. */
  close(): Promise<void>;
}

const OPTION_KEYS = knownKeys<TestEnvironmentOptions>()({
  functions: true, activities: true, store: true, autoSkip: true, startTime: true,
  maxConcurrentActivities: true, maxConcurrentOrchestrations: true, leaseMs: true, pollIntervalMs: true,
  maxPayloadBytes: true, maxCachedOrchestrations: true, maxCachedOrchestrationBytes: true, logger: true,
  inlineActivities: true, defaultActivityRetry: true, onHistory: true, determinismGuard: true,
});

/**
 * Starts a baton for a test: the production engine on a virtual clock, with time skipping.
 *
 * @example
 * const env = await createTestEnvironment({ functions: [sendReminder, reminderWorkflow] });
 * const id = await env.client.startNew(reminderWorkflow, { input: "ada" }); // waits 7 days inside
 * const done = await env.client.waitForCompletion(id); // returns in milliseconds
 * await env.close();
 */
export async function createTestEnvironment(options: TestEnvironmentOptions): Promise<TestEnvironment> {
  checkKeys(options, OPTION_KEYS, "createTestEnvironment");
  const { functions, activities, store, autoSkip, startTime, ...batonOptions } = options;
  const clock = new VirtualClock(startTime === undefined ? undefined : startTimeMs(startTime));
  const calls = new ActivityCalls(functions ?? []);
  const skipper = new Skipper(clock, autoSkip ?? true);
  const crashes = new Crashes(async () => {
    await assembled.replaceWorker();
    // The dead worker's leases run out by then at the latest: the clock may skip there.
    skipper.leasesExpireBy = clock.now() + leaseMs;
    skipper.settled();
  });
  const leaseMs = toMs(batonOptions.leaseMs ?? DEFAULT_LEASE_MS, "leaseMs");
  const assembled = await assembleBaton(
    // The determinism guard is on unless the test turns it off: orchestration code that reads
    // Date.now, Math.random... stalls here, in the test, not later in production.
    { logger: silentLogger, determinismGuard: true, ...batonOptions, store: store ?? "sqlite::memory:", functions: calls.wrap(functions ?? [], activities) },
    { now: clock.now, setTimer: clock.setTimer, onSettled: () => skipper.settled(), workerStore: (base) => crashes.storeFor(base) },
  );
  skipper.baton = assembled;
  const { baton } = assembled;
  const { client } = baton;
  client.waitForCompletion = onVirtualClock(client, clock, skipper);
  await baton.start();
  let closed = false;
  return {
    client,
    now: clock.now,
    advanceTime: async (duration) => {
      if (closed) throw new ClosedError("advanceTime: the test environment is closed.");
      const ms = toMs(duration, "advanceTime duration");
      // An attempt already running (one that hangs, say) does not hold the advance: its timeout may be what the test awaits.
      const running = assembled.worker.runningAttempts();
      await skipper.runDue(running); // what is due now runs first, at its own time
      const target = clock.now() + ms;
      // Step from one due time to the next, so each timer, retry and timeout runs at its own time.
      for (;;) {
        const next = Math.min(target, (await assembled.worker.nextVisibleAt()) ?? Infinity, clock.nextTimerAt() ?? Infinity);
        if (next > clock.now()) clock.advance(next - clock.now());
        await assembled.worker.renewLeases(); // the leases of work in flight must outlast the jump
        clock.rearm();
        await skipper.runDue(running);
        if (closed || clock.now() >= target) return;
      }
    },
    async history(instanceId) {
      const status = await client.getStatus(instanceId, { showHistory: true, showPending: false });
      if (!status) throw new InstanceNotFoundError(instanceId);
      return status.history ?? [];
    },
    activityCalls: (definition) => calls.of(definition as string),
    failActivity: (definition, failOptions) => calls.fail(definition as string, failOptions),
    overrideActivity: (definition, fn, overrideOptions) => calls.override(definition, fn as ActivityFunction<any, unknown>, overrideOptions),
    checkReplays() {
      if (closed) throw new ClosedError("checkReplays: the test environment is closed.");
      return replayEveryHistory(client, functions);
    },
    crash(crashOptions) {
      if (closed) throw new ClosedError("crash: the test environment is closed.");
      const crashed = crashes.arm(crashOptions);
      // Awaiting the crash lets the clock skip to it, as awaiting a result does; arming it alone does not.
      return { then: (onCrashed, onFailed) => skipper.whileAwaited(() => crashed).then(onCrashed, onFailed) };
    },
    async close() {
      if (closed) return;
      try {
        const unreached = crashes.unreached();
        if (unreached.length > 0) throw new CrashNotReachedError(unreached.map((crash) => JSON.stringify(crash)));
        await replayEveryHistory(client, functions);
      } finally {
        closed = true;
        skipper.closed = true;
        await baton.stop();
      }
    },
  };
}

/** BatonOptions.leaseMs's default. */
const DEFAULT_LEASE_MS = 15_000;

/**
 * waitForCompletion that lets the clock skip while it waits, with its timeout on the
 * environment's clock: a wait of "1h" on a workflow that sleeps a week times out at the
 * environment's hour, in milliseconds of real time.
 */
function onVirtualClock(client: BatonClient, clock: VirtualClock, skipper: Skipper): BatonClient["waitForCompletion"] {
  const wait = client.waitForCompletion.bind(client) as (...args: unknown[]) => Promise<InstanceStatus>;
  return ((...args: unknown[]) => {
    const optionsAt = typeof args[0] === "object" && args[0] !== null ? 2 : 1;
    const options = args[optionsAt] as { timeout?: Duration } | undefined;
    if (options?.timeout === undefined) return skipper.whileAwaited(() => wait(...args));
    const timeoutMs = toMs(options.timeout, "waitForCompletion timeout");
    const { timeout: _onTheClock, ...rest } = options;
    const untimed = [...args];
    untimed[optionsAt] = rest;
    const instanceId = args[optionsAt - 1] as string;
    return skipper.whileAwaited(async () => {
      const waiting = wait(...untimed);
      let timer: LongTimeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = clock.setTimer(() => {
          client.getStatus(instanceId).then(
            (status) => reject(new TimeoutError(`Instance "${instanceId}" is still ${status?.runtimeStatus ?? "unknown"} after ${timeoutMs} ms.`)),
            reject,
          );
        }, timeoutMs);
      });
      try {
        return await Promise.race([waiting, expired]);
      } finally {
        timer?.clear();
        waiting.catch(() => undefined); // left waiting past its timeout: ends with the environment
      }
    });
  }) as BatonClient["waitForCompletion"];
}

/** Every instance in the store, replayed against `functions`: determinism checked for free. */
async function replayEveryHistory(client: BatonClient, functions: readonly FunctionDefinition[]): Promise<ReplayCheckResult[]> {
  const results: ReplayCheckResult[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.list({ pageSize: 1000, ...(continuationToken === undefined ? {} : { continuationToken }) });
    for (const instance of page.instances) {
      const saved = await client.getStatus(instance.instanceId, { showHistory: true, showPending: false });
      if (saved) results.push(await checkReplay(saved, { functions }));
    }
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  const diverged = results.flatMap((result) => (result.ok ? [] : [result]));
  if (diverged.length > 0) throw new ReplayDivergedError(diverged);
  return results;
}

/** Watches the worker's idle cues and moves the clock: on its own while awaited, or by hand. */
class Skipper {
  baton!: AssembledBaton;
  closed = false;
  /** After a crash: when the dead worker's leases have run out at the latest. */
  leasesExpireBy: number | undefined;
  private awaited = 0;
  private checkScheduled = false;
  private idleWaiters: { except: ReadonlySet<string> | undefined; resolve: () => void }[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly autoSkip: boolean,
  ) {}

  /** The worker may have gone idle: look once the current macrotask is over. */
  settled(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      void this.check();
    });
  }

  async whileAwaited<T>(wait: () => Promise<T>): Promise<T> {
    this.awaited++;
    this.settled(); // the worker may be idle already: no cue would come
    try {
      return await wait();
    } finally {
      this.awaited--;
    }
  }

  /**
   * Wakes the worker and resolves once nothing is due any more and it is idle (attempts in
   * `except` may still run).
   */
  async runDue(except?: ReadonlySet<string>): Promise<void> {
    for (;;) {
      this.baton.worker.wake();
      await this.idle(except);
      if (this.closed) return;
      const next = await this.baton.worker.nextVisibleAt();
      if (next === null || next > this.clock.now()) return;
    }
  }

  private idle(except: ReadonlySet<string> | undefined): Promise<void> {
    const idle = new Promise<void>((resolve) => this.idleWaiters.push({ except, resolve }));
    this.settled();
    return idle;
  }

  private async check(): Promise<void> {
    const { worker } = this.baton;
    if (this.closed) {
      for (const waiter of this.idleWaiters.splice(0)) waiter.resolve();
      return;
    }
    this.idleWaiters = this.idleWaiters.filter((waiter) => (worker.isIdle(waiter.except) ? waiter.resolve() : true));
    if (!worker.isIdle()) return;
    if (!this.autoSkip || this.awaited === 0) return;
    const queued = await worker.nextVisibleAt();
    // Work may have started while the store answered: then its end brings the next cue.
    if (this.closed || worker !== this.baton.worker || !worker.isIdle()) return;
    const now = this.clock.now();
    if (this.leasesExpireBy !== undefined && this.leasesExpireBy <= now) this.leasesExpireBy = undefined;
    // The next thing that can happen: queued work, a wait's timeout, a dead worker's leases running out.
    const next = Math.min(queued ?? Infinity, this.clock.nextTimerAt() ?? Infinity, this.leasesExpireBy ?? Infinity);
    if (next === Infinity) return;
    if (next > now) this.clock.advance(next - now);
    this.clock.rearm();
    worker.wake();
  }
}

function startTimeMs(startTime: Date | string | number): number {
  return typeof startTime === "number" ? toTimeMs(new Date(startTime), "startTime", Date.now()) : toTimeMs(startTime, "startTime", Date.now(), true);
}
