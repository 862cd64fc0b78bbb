/**
 * What the context (and the retries it runs) need from the run that owns it: the run's
 * clock and identity, and one entry per durable call, each numbered and matched against
 * history by the run.
 */
import type { Logger } from "../definitions/logger.js";
import type { RetryPolicy } from "../definitions/retry-policy.js";
import type { PendingBackoff } from "./completions.js";
import type { DurableTask, DurableTimerTask } from "./durable-task.js";

export interface RunHooks {
  readonly instanceId: string;
  readonly isReplaying: boolean;
  readonly nowMs: number;
  readonly maxPayloadBytes: number;
  /** Carries the run's context as fields: instanceId, name (the orchestration's), executionId. */
  readonly logger: Logger;
  random(): number;
  newGuid(): string;
  idempotencyKey(seq: number): string;
  scheduleTask(call: TaskCall): { seq: number; task: DurableTask<unknown> };
  /** A durable timer; `backoff` when it is the wait of a retry the orchestration runs. */
  scheduleTimer(fireAtMs: number, backoff?: PendingBackoff): DurableTimerTask;
  scheduleSubOrchestration(name: string, input: string | undefined, instanceId: string | undefined): DurableTask<unknown>;
  waitForEvent(name: string): DurableTask<unknown>;
  setCustomStatus(serialized: string | undefined): void;
  continueAsNew(serializedInput: string | undefined, preserveUnprocessedEvents: boolean): void;
  patched(changeId: string): boolean;
  deprecatePatch(changeId: string): void;
}

export interface TaskCall {
  name: string;
  input: string | undefined;
  attempt: number;
  /** Reuse the key of an earlier attempt (orchestration-driven retry); else derived from seq. */
  idempotencyKey?: string;
  /** The call's own policy; undefined leaves retries to the definition, applied where the activity runs. */
  policy: RetryPolicy | undefined;
  visibleAt?: number;
  /** The call's own per-attempt timeout. */
  timeoutMs?: number;
}
