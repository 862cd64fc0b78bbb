/**
 * Shared pieces of the engine tests: run one scenario on both paths (cached run and fresh
 * replay per episode), and build runs with a logger that records what it is given.
 */
import type { Logger } from "../../src/definitions/logger.js";
import type { OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../../src/definitions/payload.js";
import type { Command, EpisodeResult } from "../../src/engine/command.js";
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";
import { OrchestrationRun } from "../../src/engine/orchestration-run.js";
import { afterMicrotasks } from "../../src/support/microtasks.js";
import { EngineHarness } from "../helpers/engine-harness.js";

export interface ScenarioRun {
  results: EpisodeResult[];
  history: HistoryEvent[];
}

/** Runs the episodes in order on one harness and returns every episode's result and the history. */
export async function runScenario(
  definition: OrchestrationDefinition<any, any>,
  mode: "cached" | "replay",
  episodes: readonly (readonly InboxMessage[])[],
): Promise<ScenarioRun> {
  const harness = new EngineHarness(definition, mode);
  const results: EpisodeResult[] = [];
  for (const messages of episodes) results.push(await harness.episode(...messages));
  return { results, history: harness.history };
}

/** The same scenario on the cached path and on the replay path. */
export async function runBothPaths(
  definition: OrchestrationDefinition<any, any>,
  episodes: readonly (readonly InboxMessage[])[],
): Promise<{ cached: ScenarioRun; replay: ScenarioRun }> {
  const cached = await runScenario(definition, "cached", episodes);
  const replay = await runScenario(definition, "replay", episodes);
  return { cached, replay };
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  args: unknown[];
}

export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      lines.push({ level, message, args });
    };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

/** A run built the way the harness builds one, but with the given logger and payload limit. */
export function runWith(
  definition: OrchestrationDefinition<any, any>,
  options: { instanceId?: string; logger: Logger; maxPayloadBytes?: number },
): OrchestrationRun {
  return new OrchestrationRun(options.instanceId ?? "test-instance", definition, {
    afterMicrotasks,
    logger: options.logger,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  });
}

export function scheduleTasks(result: EpisodeResult): Extract<Command, { type: "ScheduleTask" }>[] {
  return result.commands.filter((c): c is Extract<Command, { type: "ScheduleTask" }> => c.type === "ScheduleTask");
}

/** `[seq, name]` of every activity an episode scheduled. */
export function scheduled(result: EpisodeResult): [number, string][] {
  return scheduleTasks(result).map((c) => [c.seq, c.name]);
}

/** The event types of an episode, in order: a compact picture of what it recorded. */
export function eventTypes(result: EpisodeResult): string[] {
  return result.newEvents.map((e) => e.type);
}

/** The parsed output of a finished episode. */
export function outputOf(result: EpisodeResult): unknown {
  if (result.runtimeStatus !== "Completed") {
    throw new Error(`expected Completed, got ${result.runtimeStatus}: ${JSON.stringify(result.failure)}`);
  }
  return result.output === undefined ? undefined : JSON.parse(result.output);
}
