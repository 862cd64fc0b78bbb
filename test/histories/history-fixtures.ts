/**
 * The committed replay-compatibility fixtures: their format, where they live, the example
 * orchestrations they belong to, and how a recorded history splits into episodes.
 * Shared by record.ts (which writes them) and replay.test.ts (which replays them).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as monitor from "../../examples/eternal-monitor/functions.js";
import * as backup from "../../examples/fan-out-fan-in/functions.js";
import * as chaining from "../../examples/function-chaining/functions.js";
import * as approval from "../../examples/human-approval/functions.js";
import * as images from "../../examples/image-processing/functions.js";
import * as records from "../../examples/process-records/functions.js";
import type { OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";
import type { FailureDetails, RuntimeStatus } from "../../src/index.js";

export const FIXTURE_DIR = import.meta.dirname;

/** One recorded run: what was started, how it ended, and its raw stored history. */
export interface HistoryFixture {
  /** Name of the orchestration (as registered by the example). */
  orchestration: string;
  /** The instance id it ran under: a run is replayed under the same id. */
  instanceId: string;
  /**
   * The input of the recorded execution (null for none); informational, replay uses
   * ExecutionStarted's. What was passed to startNew, except for an instance that continued as
   * new: the store keeps only its last generation's history, so this is that generation's
   * input (the state the one before it carried over), and `startInput` is startNew's.
   */
  input: unknown;
  /** Only for an instance that continued as new: what was passed to startNew (null for none). */
  startInput?: unknown;
  expected: {
    runtimeStatus: RuntimeStatus;
    /** The parsed output, for Completed. */
    output?: unknown;
    /** For Failed: the failure as getStatus reported it, without its stack. */
    failure?: Omit<FailureDetails, "stack">;
  };
  /** Short commit of the code that recorded it ("+dirty" when src/ or examples/ had changes). */
  recordedWith: string;
  /** The engine's HistoryEvent[] exactly as the store returned it (serialized payloads, ms timestamps). */
  history: HistoryEvent[];
}

/** Every orchestration the examples export, by name. */
export const exampleOrchestrations: ReadonlyMap<string, OrchestrationDefinition<any, any>> = new Map(
  [
    ...chaining.functions,
    ...backup.functions,
    ...images.functions,
    ...approval.functions,
    ...monitor.functions,
    ...records.functions,
  ]
    .filter((f): f is OrchestrationDefinition<any, any> => f.kind === "orchestration")
    .map((f) => [f.name, f]),
);

export function orchestrationNamed(name: string): OrchestrationDefinition<any, any> {
  const definition = exampleOrchestrations.get(name);
  if (!definition) throw new Error(`no example exports an orchestration named "${name}"`);
  return definition;
}

/** The fixture files of the directory, sorted by name. */
export function loadFixtures(): { file: string; fixture: HistoryFixture }[] {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(FIXTURE_DIR, file), "utf8")) as HistoryFixture }));
}

/**
 * The history cut into episodes: each starts at an EpisodeStarted event and holds what one
 * runEpisode call produced. (A worker's inline chain commits several episodes at once, but
 * each still begins with its own EpisodeStarted.)
 */
export function splitEpisodes(history: readonly HistoryEvent[]): { start: number; events: HistoryEvent[] }[] {
  const episodes: { start: number; events: HistoryEvent[] }[] = [];
  history.forEach((event, index) => {
    if (event.type === "EpisodeStarted") episodes.push({ start: index, events: [] });
    const current = episodes.at(-1);
    if (!current) throw new Error(`history does not begin with EpisodeStarted (event 0 is ${event.type})`);
    current.events.push(event);
  });
  return episodes;
}

/** The inbox messages an episode consumed: its events that came from messages, in order. */
export function messagesOf(episode: readonly HistoryEvent[]): InboxMessage[] {
  const messages: InboxMessage[] = [];
  for (const event of episode) {
    switch (event.type) {
      case "ExecutionStarted":
      case "TaskCompleted":
      case "TaskFailed":
      case "TimerFired":
      case "EventRaised": {
        const { timestamp: _, ...message } = event;
        messages.push(message as InboxMessage);
        break;
      }
      case "ExecutionTerminated":
        messages.push({ type: "Terminate", ...(event.reason === undefined ? {} : { reason: event.reason }) });
        break;
      default:
        break; // produced by the run itself: what the re-run must reproduce
    }
  }
  return messages;
}

/**
 * An event as the replay check compares it: everything but the timestamp. A failure's stack
 * is dropped as well: it names engine files and lines, which any edit moves.
 */
export function comparable(event: HistoryEvent): Record<string, unknown> {
  const { timestamp: _, ...rest } = event;
  if (rest.type === "ExecutionFailed") {
    const { stack: __, ...error } = rest.error;
    return { ...rest, error };
  }
  return rest;
}
