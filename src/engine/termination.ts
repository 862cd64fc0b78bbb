import type { EpisodeResult } from "./command.js";

/**
 * The episode that ends an instance on a Terminate message. It needs no replay of the
 * orchestration's code, so an instance whose code no longer replays can still be ended.
 */
export function terminationEpisode(reason: string | undefined, nowMs: number): EpisodeResult {
  return {
    newEvents: [
      { type: "EpisodeStarted", timestamp: nowMs },
      { type: "ExecutionTerminated", timestamp: nowMs, ...(reason === undefined ? {} : { reason }) },
    ],
    commands: [],
    runtimeStatus: "Terminated",
    ...(reason === undefined ? {} : { output: JSON.stringify(reason) }),
  };
}
