/**
 * Retries decided by the orchestration itself: attempt, and on a retryable failure wait on
 * a durable timer for the policy's delay, then attempt again. Each attempt and each wait is
 * a durable call, so a replay takes every decision again exactly as the first run did.
 *
 * Used where the retry is code of the orchestration: an activity call with its own retryIf,
 * and any sub-orchestration call with a policy. Other activity retries run from the queue,
 * where the activity runs.
 */
import { nextRetryDelayMs, resolveRetryPolicy, type RetryPolicy } from "../definitions/retry-policy.js";
import { ActivityFailedError, SubOrchestrationFailedError, type ErrorDetails } from "../errors.js";
import type { PendingBackoff } from "./completions.js";
import { failureSummary } from "./history-event.js";
import type { RunHooks, TaskCall } from "./run-hooks.js";

/** One task per attempt, each with a policy of one attempt and the first attempt's idempotency key. */
export async function retryActivity(run: RunHooks, call: TaskCall, policy: RetryPolicy): Promise<unknown> {
  const onePerAttempt: RetryPolicy = { maxAttempts: 1 };
  let idempotencyKey: string | undefined;
  let lastSeq = 0;
  return retryDurably(
    run,
    policy,
    (attempt) => {
      const scheduled = run.scheduleTask({ ...call, policy: onePerAttempt, ...(attempt > 1 ? { attempt, idempotencyKey } : {}) });
      if (attempt === 1) idempotencyKey = run.idempotencyKey(scheduled.seq);
      lastSeq = scheduled.seq;
      return scheduled.task;
    },
    (error) => (error instanceof ActivityFailedError ? error.cause : undefined),
    (error, attempts) => new ActivityFailedError(call.name, attempts, (error as ActivityFailedError).cause),
    // Shown by getStatus while the backoff runs: the call waits for its next attempt.
    // A summary: it is written with every episode of the wait.
    (cause, attempt) => ({ name: call.name, seq: lastSeq, attempt: attempt + 1, lastFailure: failureSummary(cause) }),
  );
}

/** Each attempt is a child of its own: the first keeps the given id, later ones add "~attempt". */
export function retrySubOrchestration(
  run: RunHooks,
  name: string,
  input: string | undefined,
  instanceId: string | undefined,
  policy: RetryPolicy,
): Promise<unknown> {
  return retryDurably(
    run,
    policy,
    (attempt) => run.scheduleSubOrchestration(name, input, instanceId === undefined || attempt === 1 ? instanceId : `${instanceId}~${attempt}`),
    (error) => (error instanceof SubOrchestrationFailedError ? error.cause : undefined),
    (error) => error,
  );
}

/**
 * The loop itself: `causeOf` says whether an error is a retryable failure (and gives what
 * retryIf sees), `giveUp` makes the error thrown once the policy says stop, `backoffOf` what the
 * wait before the next attempt tells getStatus.
 */
async function retryDurably(
  run: Pick<RunHooks, "nowMs" | "scheduleTimer">,
  policy: RetryPolicy,
  attemptOnce: (attempt: number) => PromiseLike<unknown>,
  causeOf: (error: unknown) => ErrorDetails | undefined,
  giveUp: (error: unknown, attempts: number) => unknown,
  backoffOf?: (cause: ErrorDetails, attempt: number) => PendingBackoff,
): Promise<unknown> {
  const resolved = resolveRetryPolicy(policy);
  const firstAttemptAt = run.nowMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(attempt);
    } catch (error) {
      const cause = causeOf(error);
      if (!cause) throw error;
      const delay = nextRetryDelayMs(resolved, attempt, run.nowMs - firstAttemptAt);
      if (delay === null || (policy.retryIf && !shouldRetry(policy.retryIf, cause))) throw giveUp(error, attempt);
      await run.scheduleTimer(run.nowMs + delay, backoffOf?.(cause, attempt));
    }
  }
}

/** Only `true` retries; a retryIf that throws means "do not retry" (as where activities run). */
function shouldRetry(retryIf: (error: Error) => boolean, cause: ErrorDetails): boolean {
  try {
    return retryIf(errorFromDetails(cause)) === true;
  } catch {
    return false;
  }
}

function errorFromDetails(details: ErrorDetails): Error {
  const error = new Error(details.message);
  error.name = details.name;
  if (details.stack) error.stack = details.stack;
  return error;
}
