/**
 * The shapes the HTTP API answers with, as the browser receives them (dates as ISO strings).
 * Apart from ui/api.ts so that the pure view models, tested in Node, can use them without
 * loading the browser client.
 */

export const RUNTIME_STATUSES = ["Pending", "Running", "Suspended", "Completed", "Failed", "Terminated", "ContinuedAsNew"] as const;
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

/** A history event as the API sends it (timestamps as ISO strings, payloads parsed). */
export type HistoryEntry = { type: string; timestamp: string } & Record<string, unknown>;

export interface FailureDetails {
  code: string;
  name: string;
  message: string;
  stack?: string;
}

export interface PendingActivity {
  name: string;
  seq: number;
  attempt: number;
  state: "running" | "waiting";
  nextAttemptAt?: string;
  lastFailure?: { name: string; message: string; stack?: string };
}

/** What a live instance waits on (getStatus's `pending`). */
export interface PendingWork {
  activities: PendingActivity[];
  timers: { seq: number; fireAt: string }[];
  events: string[];
  children: { instanceId: string; name: string; runtimeStatus: RuntimeStatus }[];
  truncated?: true;
}

export interface InstanceStatus {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdAt: string;
  lastUpdatedAt: string;
  failureDetails?: FailureDetails;
  stalled?: { code: string; message: string; since: string };
  waitingForWorker?: { orchestration?: string; activities?: string[]; message: string };
  pending?: PendingWork;
  parentInstanceId?: string;
  history?: HistoryEntry[];
}

export interface InstanceFilter {
  runtimeStatus?: RuntimeStatus[];
  name?: string;
  instanceIdPrefix?: string;
  /** ISO 8601 */
  createdFrom?: string;
  /** ISO 8601 */
  createdTo?: string;
}

export interface InstancePage {
  instances: InstanceStatus[];
  continuationToken: string | null;
}

export interface Info {
  version: string;
  readOnly: boolean;
  store: "sqlite" | "postgres";
  authenticated: boolean;
}

export interface Counts {
  counts: Record<RuntimeStatus, number>;
  capped: boolean;
}

export interface HistoryPage {
  events: HistoryEntry[];
  total: number;
  next: number | null;
}

export type ReplayCheckResult =
  | { ok: true; events: number }
  | { ok: false; divergence: { index: number; recorded: { type: string; name?: string }; message: string } };

/** The replay check over the instances a filter matches (POST /api/replayCheck). */
export interface ReplayCheckSummary {
  checked: number;
  diverged: { instanceId: string; name: string; divergence: { index: number; recorded: { type: string; name?: string }; message: string } }[];
  /** Orchestrations this server has no code for: their instances were not checked. */
  noCode: string[];
}

export const INSTANCE_ACTIONS = ["terminate", "suspend", "resume", "rewind", "restart", "purge", "raiseEvent"] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

export interface BulkRequest {
  action: InstanceAction;
  filter: InstanceFilter;
  reason?: string;
  eventName?: string;
  eventData?: unknown;
  dryRun?: boolean;
}

export interface BulkJob {
  jobId: string;
  action: InstanceAction;
  total: number;
  done: number;
  failed: number;
  errors: { instanceId: string; code: string; message: string }[];
  finished: boolean;
}

export interface FunctionsInfo {
  orchestrations: { name: string; hosted: boolean }[];
  activities: { name: string; hosted: boolean }[];
}

export interface WorkerInfo {
  workerId: string;
  orchestrations: string[];
  activities: string[];
  heartbeatAt: string;
  leaseMs: number;
}

/** One change the stream reports. */
export interface InstanceChange {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  createdAt: string;
  lastUpdatedAt: string;
}
