/**
 * checkReplay: saved histories replayed from scratch against today's code (see
 * engine/replay-check.ts), for tests and for `baton replay-check` before a deploy.
 */
import { silentLogger } from "../definitions/logger.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../definitions/payload.js";
import { Registry } from "../definitions/registry.js";
import { fromHistoryEntry } from "../engine/history-entry.js";
import { checkHistory, type ReplayCheckResult } from "../engine/replay-check.js";
import { InvalidArgumentError } from "../errors.js";
import { afterMicrotasks } from "../support/microtasks.js";

export type { Divergence, RecordedEvent, ReplayCheckResult } from "../engine/replay-check.js";

/**
 * One instance's saved history: an instance status with its history, as
 * `client.getStatus(id, { showHistory: true })`, `GET /api/instances/{id}?showHistory=true` or
 * JSON of either give it. `name` may be left out when the history holds the start.
 */
export interface SavedHistory {
  instanceId: string;
  name?: string;
  /** Required at run time; optional in the type so that an InstanceStatus is accepted as it is. */
  history?: readonly unknown[] | undefined;
}

export interface CheckReplayOptions {
  /** The definitions to replay against: the orchestrations, as the worker registers them. */
  functions: readonly FunctionDefinition[];
}

/**
 * Replays each saved history from scratch against `functions` and returns, per instance,
 * `{ ok: true }` or the first divergence: the event's index, type, name and step, and what the
 * code did instead. Nothing is stored or run for real: activities are not called.
 *
 * @example
 * const [result] = await checkReplay([await client.getStatus(id, { showHistory: true })], { functions });
 * if (!result.ok) console.log(result.divergence.message);
 */
export async function checkReplay(histories: SavedHistory, options: CheckReplayOptions): Promise<ReplayCheckResult>;
export async function checkReplay(histories: readonly SavedHistory[], options: CheckReplayOptions): Promise<ReplayCheckResult[]>;
export async function checkReplay(
  histories: SavedHistory | readonly SavedHistory[],
  options: CheckReplayOptions,
): Promise<ReplayCheckResult | ReplayCheckResult[]> {
  if (!options || typeof options !== "object" || options.functions === undefined) {
    throw new InvalidArgumentError("checkReplay needs { functions }: the activity() and orchestration() definitions to replay against.");
  }
  const registry = new Registry(options.functions);
  const list = Array.isArray(histories) ? (histories as readonly SavedHistory[]) : [histories as SavedHistory];
  const events = list.map((saved, i) => toEvents(saved, i));
  // Replays are silent: what the code logs while replaying is not news.
  const env = { afterMicrotasks, logger: silentLogger, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES };
  const results: ReplayCheckResult[] = [];
  for (const [i, saved] of list.entries()) {
    results.push(await checkHistory(saved.instanceId, saved.name ?? "", events[i]!, registry, env));
  }
  return Array.isArray(histories) ? results : results[0]!;
}

/** Checks one saved history's shape before anything runs. */
function toEvents(saved: SavedHistory, position: number) {
  const where = `History ${position} passed to checkReplay`;
  if (!saved || typeof saved !== "object" || typeof saved.instanceId !== "string" || saved.instanceId === "") {
    throw new InvalidArgumentError(`${where} has no instanceId. Pass { instanceId, name, history } as getStatus(id, { showHistory: true }) gives it.`);
  }
  if (!Array.isArray(saved.history)) {
    throw new InvalidArgumentError(`${where} (instance "${saved.instanceId}") has no history array. Read the status with showHistory: true.`);
  }
  return saved.history.map((entry, i) => fromHistoryEntry(entry, i));
}
