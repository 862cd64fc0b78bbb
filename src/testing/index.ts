/**
 * `batonjs/testing`, the test kit: `createTestEnvironment` runs the production engine, worker
 * and store on a virtual clock owned by the environment, skipping ahead while only future work
 * (timers, retry backoffs) is pending; `checkReplay` replays recorded histories against
 * today's code and names the first divergence.
 */
export { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "./environment.js";
export type { ActivityCall, ActivityOverrides, FailActivityOptions, OverrideActivityOptions } from "./activity-calls.js";
export type { CrashOptions, CrashPoint } from "./crashes.js";
export { checkReplay } from "./check-replay.js";
export type { CheckReplayOptions, Divergence, RecordedEvent, ReplayCheckResult, SavedHistory } from "./check-replay.js";
