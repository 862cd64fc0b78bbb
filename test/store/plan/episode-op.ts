/** A hand-made episode op for the plan tests: the fields a plan reads, the rest filler. */
import type { Command, EpisodeResult } from "../../../src/engine/command.js";
import type { EpisodeOp } from "../../../src/store/plan/episode-writes.js";

export function episodeOp(commands: Command[], result: Partial<EpisodeResult> = {}, op: Partial<EpisodeOp> = {}): EpisodeOp {
  return {
    type: "episode",
    instanceId: "parent",
    executionId: "exec-1",
    leaseToken: "token",
    historyLengthBefore: 0,
    consumedMessageIds: [],
    result: { newEvents: [], commands, runtimeStatus: "Running", ...result },
    ...op,
  };
}

export const task = (seq: number, extra: Partial<Extract<Command, { type: "ScheduleTask" }>> = {}): Command => ({
  type: "ScheduleTask",
  seq,
  name: "Act",
  input: `"in-${seq}"`,
  attempt: 1,
  idempotencyKey: `key-${seq}`,
  retry: null,
  ...extra,
});
