import { InvalidArgumentError } from "../errors.js";
import { MAX_DURATION_MS, toMs, type Duration } from "./duration.js";
import { checkKeys, knownKeys } from "./options.js";

/**
 * How a failed activity is retried. Retries run from the store's queue (the task is made
 * visible again after the backoff), so they add nothing to the orchestration's history.
 */
export interface RetryPolicy {
  /** Attempts in all, counting the first. Default 1 (no retry). */
  maxAttempts: number;
  /** Wait before the second attempt. Default 1s. */
  firstRetryInterval?: Duration;
  /** Each further wait is the previous one times this. Default 2. */
  backoffCoefficient?: number;
  /** Upper bound of one wait. Default: none. */
  maxRetryInterval?: Duration;
  /** Give up when the next attempt would start later than this after the first. Default: none. */
  retryTimeout?: Duration;
  /** Retry only errors for which this returns true. Runs where the activity runs. */
  retryIf?: (error: Error) => boolean;
}

/** The serializable part of a policy, in milliseconds, as carried by an activity task. */
export interface ResolvedRetryPolicy {
  maxAttempts: number;
  firstRetryIntervalMs: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number | null;
  retryTimeoutMs: number | null;
}

export const NO_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 1,
  firstRetryIntervalMs: 1000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: null,
  retryTimeoutMs: null,
};

const RETRY_POLICY_KEYS = knownKeys<RetryPolicy>()({
  maxAttempts: true,
  firstRetryInterval: true,
  backoffCoefficient: true,
  maxRetryInterval: true,
  retryTimeout: true,
  retryIf: true,
});

export function resolveRetryPolicy(policy: RetryPolicy | undefined): ResolvedRetryPolicy {
  if (!policy) return NO_RETRY;
  if (typeof policy !== "object") throw new InvalidArgumentError(`retry must be an object such as { maxAttempts: 3 }, got ${JSON.stringify(policy)}.`);
  checkKeys(policy, RETRY_POLICY_KEYS, "retry", "key");
  const { maxAttempts, backoffCoefficient = 2 } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidArgumentError(`retry.maxAttempts must be a whole number >= 1 (it counts the first try), got ${maxAttempts}.`);
  }
  if (!Number.isFinite(backoffCoefficient) || backoffCoefficient < 1) {
    throw new InvalidArgumentError(`retry.backoffCoefficient must be a number >= 1, got ${backoffCoefficient}.`);
  }
  if (policy.retryIf !== undefined && typeof policy.retryIf !== "function") {
    throw new InvalidArgumentError("retry.retryIf must be a function (error) => boolean.");
  }
  return {
    maxAttempts,
    firstRetryIntervalMs: toMs(policy.firstRetryInterval ?? 1000, "retry.firstRetryInterval"),
    backoffCoefficient,
    maxRetryIntervalMs: policy.maxRetryInterval === undefined ? null : toMs(policy.maxRetryInterval, "retry.maxRetryInterval"),
    retryTimeoutMs: policy.retryTimeout === undefined ? null : toMs(policy.retryTimeout, "retry.retryTimeout"),
  };
}

/**
 * The delay before attempt `failedAttempt + 1`, or null when the policy says to give up.
 * `elapsedMs` is the time since the first attempt was first made visible.
 */
export function nextRetryDelayMs(policy: ResolvedRetryPolicy, failedAttempt: number, elapsedMs: number): number | null {
  if (failedAttempt >= policy.maxAttempts) return null;
  let delay = policy.firstRetryIntervalMs * Math.pow(policy.backoffCoefficient, failedAttempt - 1);
  if (policy.maxRetryIntervalMs !== null) delay = Math.min(delay, policy.maxRetryIntervalMs);
  // Exponential growth passes any clock after enough attempts (2 ** 1100 is Infinity): a wait
  // never exceeds the longest duration, so the next attempt's time stays storable.
  delay = Math.min(delay, MAX_DURATION_MS);
  if (policy.retryTimeoutMs !== null && elapsedMs + delay > policy.retryTimeoutMs) return null;
  return Math.round(delay);
}
