/** An activity task row to insert, as the plans hand it to a backend. */
export interface NewTask {
  instanceId: string;
  executionId: string;
  seq: number;
  name: string;
  input: string | undefined;
  attempt: number;
  idempotencyKey: string;
  /** Serialized policy, or null for the definition's. */
  retry: string | null;
  /** Also the first attempt's visibility: the start of retryTimeout. */
  visibleAt: number;
  /** Set when the first attempt already runs in the committing worker. */
  lease: { owner: string; token: string; expiresAt: number } | undefined;
  timeoutMs: number | undefined;
  /** The span of the episode that scheduled it (see ActivityWorkItem.traceContext). */
  traceContext: string | undefined;
}
