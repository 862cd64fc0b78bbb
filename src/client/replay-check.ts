/**
 * Replay checks from the client: an instance's stored history replayed, with the pure
 * engine/replay-check.ts, against the orchestrations registered in this process. A deploy can
 * ask a process running the new code whether the instances in flight still fit it.
 */
import { silentLogger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import type { HistoryEvent } from "../engine/history-event.js";
import { checkHistory, type Divergence } from "../engine/replay-check.js";
import { InstanceNotFoundError, NoCodeLoadedError } from "../errors.js";
import type { InstanceStore } from "../store/store.js";
import { afterMicrotasks } from "../support/microtasks.js";

/** One instance's replay: ok with the number of events replayed, or where code and history part. */
export type InstanceReplayCheck = { ok: true; events: number } | { ok: false; divergence: Pick<Divergence, "index" | "recorded" | "actual" | "message"> };

/** Several instances' replay: how many were checked, those that diverged, and the names this process has no code for. */
export interface ReplayCheckSummary {
  checked: number;
  diverged: { instanceId: string; name: string; divergence: Divergence }[];
  /** Orchestrations of matching instances that this process cannot replay (their instances were not checked). */
  noCode: string[];
}

export async function replayCheckInstance(store: InstanceStore, registry: Registry | undefined, maxPayloadBytes: number, instanceId: string): Promise<InstanceReplayCheck> {
  const record = await store.getInstance(instanceId);
  if (!record) throw new InstanceNotFoundError(instanceId);
  if (!registry?.orchestrations.has(record.name)) throw new NoCodeLoadedError(record.name);
  const history = await store.getHistory(instanceId);
  const result = await replay(instanceId, record.name, history, registry, maxPayloadBytes);
  return result.ok ? { ok: true, events: history.length } : { ok: false, divergence: result.divergence };
}

/** Replays each of `instances` that this process has code for. */
export async function replayCheckMany(
  store: InstanceStore,
  registry: Registry | undefined,
  maxPayloadBytes: number,
  instances: readonly { instanceId: string; name: string }[],
): Promise<ReplayCheckSummary> {
  const summary: ReplayCheckSummary = { checked: 0, diverged: [], noCode: [] };
  for (const { instanceId, name } of instances) {
    if (!registry?.orchestrations.has(name)) {
      if (!summary.noCode.includes(name)) summary.noCode.push(name);
      continue;
    }
    const result = await replay(instanceId, name, await store.getHistory(instanceId), registry, maxPayloadBytes);
    summary.checked += 1;
    if (!result.ok) summary.diverged.push({ instanceId, name, divergence: result.divergence });
  }
  return summary;
}

function replay(instanceId: string, name: string, history: HistoryEvent[], registry: Registry, maxPayloadBytes: number) {
  // Replays are silent: what the code logs while replaying is not news.
  return checkHistory(instanceId, name, history, registry, { afterMicrotasks, logger: silentLogger, maxPayloadBytes });
}
