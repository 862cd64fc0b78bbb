/**
 * `batonjs/testing`, the test kit. It is to hold `createTestEnvironment` (the production engine,
 * worker and store on an engine-owned virtual clock that skips ahead while only timers are
 * pending) and `checkReplay` (recorded histories replayed against today's code). It exports
 * nothing yet; the subpath is part of the package already so that it resolves for `import`,
 * `require` and TypeScript alike.
 */
export {};
export { checkReplay } from "./check-replay.js";
export type { CheckReplayOptions, Divergence, RecordedEvent, ReplayCheckResult, SavedHistory } from "./check-replay.js";
