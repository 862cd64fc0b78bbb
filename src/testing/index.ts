/**
 * `batonjs/testing`, the test kit: `createTestEnvironment` runs the production engine, worker
 * and store on a virtual clock owned by the environment, skipping ahead while only future work
 * (timers, retry backoffs) is pending. `checkReplay` (recorded histories replayed against
 * today's code) is to join it here.
 */
export { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "./environment.js";
export type { ActivityCall, ActivityOverrides, FailActivityOptions } from "./activity-calls.js";
