/**
 * Runs one claimed activity task and submits its outcome: completed, retried later (the
 * task becomes visible again after the backoff, with no history written), or failed for
 * good. Activities run at least once: a crash before the outcome commits runs them again.
 * A failed attempt is logged here, the one place both queued and inline attempts pass: a
 * retry at warn with when the next attempt runs, a final failure at error.
 */
import type { Context } from "@opentelemetry/api";
import type { ActivityContext } from "../definitions/activity.js";
import { toMs } from "../definitions/duration.js";
import type { LongTimeout } from "../support/long-timeout.js";
import { withFields, type Logger } from "../definitions/logger.js";
import { deserialize, serialize } from "../definitions/payload.js";
import type { Registry } from "../definitions/registry.js";
import { nextRetryDelayMs, resolveRetryPolicy } from "../definitions/retry-policy.js";
import { ActivityCancelledError, ClosedError, SerializationError, PayloadTooLargeError, TimeoutError, toErrorDetails } from "../errors.js";
import { faultPoint } from "../observability/fault-points.js";
import { monotonicMs, recordAttempt, recordLeaseLost, type AttemptOutcome } from "../observability/metrics.js";
import type { ActivityWorkItem, CommitOp } from "../store/store.js";
import type { AttemptAbort } from "./attempt-abort.js";
import type { Committer } from "./committer.js";
import { attemptFields } from "./log-context.js";
import { AttemptSpan } from "./work-spans.js";

export interface ActivityRunnerDeps {
  registry: Registry;
  committer: Committer;
  logger: Logger;
  maxPayloadBytes: number;
  now: () => number;
  /** Timers for the attempt's timeout and heartbeat timeout, on the worker's clock. */
  setTimer: (callback: () => void, delayMs: number) => LongTimeout;
  /** Told when an attempt ended, before its outcome is committed (the test kit's "after-activity" crash point). */
  attemptFinished?: (task: ActivityWorkItem) => void;
  /** Named on the attempts' spans. */
  workerId: string;
}

/** `abort` is this attempt's: the worker aborts it when it stops, and so does the timeout. */
export async function runActivity(task: ActivityWorkItem, abort: AttemptAbort, deps: ActivityRunnerDeps): Promise<void> {
  await submitOutcome(task, abort, await executeAttempt(task, abort, deps), deps);
}

/** The metrics' name for what an attempt led to. */
const ATTEMPT_OUTCOMES: Partial<Record<CommitOp["type"], AttemptOutcome>> = { activityCompleted: "completed", activityRetry: "retry", activityFailed: "failed" };

/** Runs one attempt and decides what it leads to: completed, retried later, or failed for good. */
export async function executeAttempt(task: ActivityWorkItem, abort: AttemptAbort, deps: ActivityRunnerDeps, traceParent?: Context): Promise<CommitOp> {
  const started = monotonicMs();
  const definition = deps.registry.activities.get(task.name)!;
  let log: Logger | undefined;
  const heartbeats = new HeartbeatWatch(task, definition.options.heartbeatTimeout, abort, deps);
  const span = new AttemptSpan(task, deps.workerId, traceParent);
  // Getters: the signal's AbortController and the attempt's logger are made only if used.
  const ctx: ActivityContext = {
    instanceId: task.instanceId,
    activityName: task.name,
    attempt: task.attempt,
    idempotencyKey: task.idempotencyKey,
    get signal() {
      return abort.signal;
    },
    get log() {
      return (log ??= withFields(deps.logger, { ...attemptFields(task), ...span.logFields }));
    },
    heartbeat: (details?: unknown) => heartbeats.beat(details),
    get heartbeatDetails() {
      return task.heartbeatDetails === undefined ? undefined : deserialize(task.heartbeatDetails);
    },
  };
  try {
    const timeout = task.timeoutMs ?? definition.options.timeout;
    const running = heartbeats.watch(span.run(() => definition.fn(deserialize(task.input), ctx)));
    // Without a timeout, the attempt's own promise: no promise more to wait through.
    const output = await (timeout === undefined ? running : raceTimeout(running, timeout, abort, task.name, deps.setTimer));
    const op: CommitOp = { type: "activityCompleted", task, output: serialize(output, `Output of activity "${task.name}"`, deps.maxPayloadBytes) };
    span.end(op, undefined);
    recordAttempt(task.name, "completed", monotonicMs() - started);
    return op;
  } catch (error) {
    const failed = failureOp(task, error, deps);
    if (!abortedFromOutside(abort)) logFailure(failed, error, withFields(deps.logger, span.logFields));
    const op = failed.type === "activityRetry" && heartbeats.details !== undefined ? { ...failed, heartbeatDetails: heartbeats.details } : failed;
    span.end(op, error);
    recordAttempt(task.name, ATTEMPT_OUTCOMES[op.type]!, monotonicMs() - started);
    return op;
  } finally {
    heartbeats.stop();
  }
}

/**
 * An attempt's heartbeats: with a heartbeatTimeout, the attempt fails with TimeoutError (and
 * its signal fires) once that long passes without one. Keeps the last details, serialized.
 */
class HeartbeatWatch {
  details: string | undefined;
  private timer: LongTimeout | undefined;
  private expire: ((error: Error) => void) | undefined;
  private readonly timeoutMs: number | undefined;

  constructor(
    private readonly task: ActivityWorkItem,
    heartbeatTimeout: unknown,
    private readonly abort: AttemptAbort,
    private readonly deps: Pick<ActivityRunnerDeps, "maxPayloadBytes" | "setTimer">,
  ) {
    this.timeoutMs = heartbeatTimeout === undefined ? undefined : toMs(heartbeatTimeout as number, "heartbeatTimeout");
  }

  watch<T>(promise: Promise<T>): Promise<T> {
    if (this.timeoutMs === undefined) return promise;
    const expired = new Promise<never>((_, reject) => (this.expire = reject));
    this.arm();
    return Promise.race([promise, expired]);
  }

  beat(details: unknown): void {
    if (details !== undefined) this.details = serialize(details, `Heartbeat details of activity "${this.task.name}"`, this.deps.maxPayloadBytes);
    this.arm();
  }

  stop(): void {
    this.timer?.clear();
    this.expire = undefined;
  }

  private arm(): void {
    if (this.timeoutMs === undefined || !this.expire) return;
    this.timer?.clear();
    const ms = this.timeoutMs;
    this.timer = this.deps.setTimer(() => {
      const error = new TimeoutError(`Activity "${this.task.name}" sent no heartbeat within its heartbeatTimeout of ${ms} ms.`);
      this.abort.abort(error);
      this.expire?.(error);
    }, ms);
  }
}

/** Commits an attempt's outcome, unless the worker stopped and released the task meanwhile. */
export async function submitOutcome(task: ActivityWorkItem, abort: AttemptAbort, op: CommitOp, deps: ActivityRunnerDeps): Promise<void> {
  if (abort.aborted && abort.reason instanceof ClosedError) return; // stopped: the worker released the lease
  faultPoint("activity-after-run-before-complete");
  deps.attemptFinished?.(task);
  const outcome = await deps.committer.submit(op);
  if (outcome === "leaseLost") {
    recordLeaseLost("activity");
    deps.logger.warn("activity lease lost, result discarded", attemptFields(task));
  }
}

function failureOp(task: ActivityWorkItem, error: unknown, deps: ActivityRunnerDeps): CommitOp {
  const details = toErrorDetails(error);
  // An output that cannot be stored will not become storable on retry.
  const permanent = error instanceof SerializationError || error instanceof PayloadTooLargeError;
  // A call without its own policy gets the definition's, retryIf included: it lives here.
  const definitionPolicy = deps.registry.activities.get(task.name)?.options.retry;
  const policy = task.retry ?? resolveRetryPolicy(definitionPolicy);
  const retryIf = task.retry === null ? definitionPolicy?.retryIf : undefined;
  const now = deps.now();
  let delay = permanent ? null : nextRetryDelayMs(policy, task.attempt, now - task.firstVisibleAt);
  if (delay !== null && retryIf && !safeRetryIf(retryIf, error)) delay = null;
  if (delay === null) return { type: "activityFailed", task, error: details };
  return { type: "activityRetry", task, visibleAt: now + delay, error: details };
}

/** The worker is stopping or the instance ended: the attempt was called off, its outcome is dropped. */
function abortedFromOutside(abort: AttemptAbort): boolean {
  return abort.aborted && (abort.reason instanceof ClosedError || abort.reason instanceof ActivityCancelledError);
}

function logFailure(op: CommitOp, error: unknown, logger: Logger): void {
  if (op.type === "activityRetry") {
    logger.warn("activity attempt failed, will retry", { ...attemptFields(op.task), err: error, nextAttemptAt: new Date(op.visibleAt) });
  } else if (op.type === "activityFailed") {
    const attempts = op.task.attempt;
    logger.error(`activity failed for good after ${attempts} ${attempts === 1 ? "attempt" : "attempts"}`, { ...attemptFields(op.task), err: error });
  }
}

function safeRetryIf(retryIf: (error: Error) => boolean, error: unknown): boolean {
  try {
    return retryIf(error instanceof Error ? error : new Error(String(error))) === true;
  } catch {
    return false;
  }
}

/** The attempt's promise, failing with TimeoutError (and the attempt's signal fired) past `timeout`. */
async function raceTimeout<T>(
  promise: Promise<T>,
  timeout: unknown,
  abort: AttemptAbort,
  name: string,
  setTimer: ActivityRunnerDeps["setTimer"],
): Promise<T> {
  const ms = toMs(timeout as number, "activity timeout");
  let timer: LongTimeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimer(() => {
      const error = new TimeoutError(`Activity "${name}" did not finish within its timeout of ${ms} ms.`);
      abort.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    timer?.clear();
  }
}
