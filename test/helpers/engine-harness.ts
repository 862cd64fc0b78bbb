/**
 * Drives the pure engine without a store: run episodes, keep the history they produce,
 * and rebuild runs by replay — so tests can compare the cached path with the replay path.
 */
import { silentLogger } from "../../src/definitions/logger.js";
import type { OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../../src/definitions/payload.js";
import type { EpisodeResult } from "../../src/engine/command.js";
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";
import { afterMicrotasks } from "../../src/support/microtasks.js";
import { OrchestrationRun } from "../../src/engine/orchestration-run.js";

export function newRun(definition: OrchestrationDefinition<any, any>, instanceId = "test-instance"): OrchestrationRun {
  return new OrchestrationRun(instanceId, definition, {
    afterMicrotasks,
    logger: silentLogger,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  });
}

/** A fresh run with `history` replayed into it. */
export async function replayed(definition: OrchestrationDefinition<any, any>, history: HistoryEvent[], instanceId?: string) {
  const run = newRun(definition, instanceId);
  await run.replay(history);
  return run;
}

/** Keeps one instance's history across episodes, like the store does. */
export class EngineHarness {
  readonly history: HistoryEvent[] = [];
  private run: OrchestrationRun;
  private clock = Date.UTC(2026, 0, 1);

  constructor(
    private readonly definition: OrchestrationDefinition<any, any>,
    private readonly mode: "cached" | "replay" = "cached",
  ) {
    this.run = newRun(definition);
  }

  /** Runs one episode with these messages; in replay mode every episode starts from a fresh replay. */
  async episode(...messages: InboxMessage[]): Promise<EpisodeResult> {
    if (this.mode === "replay") this.run = await replayed(this.definition, this.history);
    this.clock += 1000;
    const result = await this.run.runEpisode(messages, this.clock);
    this.history.push(...result.newEvents);
    return result;
  }
}
