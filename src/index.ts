/** The public surface of batonjs. */
export { activity } from "./definitions/activity.js";
export type { ActivityContext, ActivityDefinition, ActivityOptions, ActivityFunction } from "./definitions/activity.js";
export { orchestration } from "./definitions/orchestration.js";
export type {
  OrchestrationContext,
  OrchestrationDefinition,
  OrchestrationFunction,
  CallActivityOptions,
  WaitForExternalEventOptions,
  MapOptions,
  FunctionDefinition,
} from "./definitions/orchestration.js";
export type { Task, TimerTask } from "./definitions/task.js";
export type { RetryPolicy } from "./definitions/retry-policy.js";
export type { Duration } from "./definitions/duration.js";
export { MAX_DURATION_MS } from "./definitions/duration.js";
export { MAX_PAYLOAD_DEPTH } from "./definitions/payload.js";
export type { Logger, LogFields, LogLevel } from "./definitions/logger.js";
export { consoleLogger } from "./observability/console-logger.js";
export type { ConsoleLoggerOptions } from "./observability/console-logger.js";
export type { LogFormat } from "./observability/log-line.js";
export { pinoLogger } from "./observability/pino-logger.js";
export type { PinoLike } from "./observability/pino-logger.js";
export { createBaton } from "./host/create-baton.js";
export { createClient } from "./host/create-client.js";
export type { Baton, BatonOptions } from "./host/create-baton.js";
export { BatonClient } from "./client/client.js";
export type { StartNewOptions, RestartOptions, GetStatusOptions, WaitForCompletionOptions, ListFilter, PurgeWhereFilter, InstanceCountFilter, Workload } from "./client/client.js";
export type { CountedInstances, FunctionsInfo, HistoryPage, InstanceChange, WorkerInfo } from "./client/dashboard-reads.js";
export type { InstanceReplayCheck, ReplayCheckSummary } from "./client/replay-check.js";
export type { InstanceStatus } from "./client/instance-status.js";
export type { PendingActivity, PendingWork } from "./client/pending-work.js";
export type { HistoryEntry } from "./engine/history-entry.js";
export { RuntimeStatus } from "./store/store.js";
export type { FailureDetails } from "./store/store.js";
export * from "./errors.js";
export { migrateStore } from "./store/migrate-store.js";
export type { MigrateStoreOptions, MigrateStoreResult } from "./store/migrate-store.js";
export { createHttpApi } from "./http/http-api.js";
export type { HttpApiOptions } from "./http/http-api.js";
export type { MetricFamily } from "./observability/prometheus-text.js";
export { createDashboard } from "./http/dashboard.js";
export type { DashboardOptions } from "./http/dashboard.js";
export { serveHttpApi } from "./http/serve.js";
export type { ServeHttpApiOptions, HttpApiServer } from "./http/serve.js";
export { defineConfig } from "./host/config.js";
export type { BatonConfig, HttpConfig } from "./host/config.js";
export type { InstanceId } from "./definitions/instance-id.js";
export type { Jsonified, JsonInput, JsonProblem } from "./definitions/json-types.js";
export type { InputOf, OutputOf } from "./definitions/orchestration.js";
export type { StopOptions } from "./host/create-baton.js";
export type { CreateClientOptions } from "./host/create-client.js";
