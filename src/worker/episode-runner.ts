/**
 * Runs one orchestration episode for a claimed instance: take the live run from the cache
 * (or rebuild it by replaying history), feed it the new messages, and submit the result for
 * group commit. A NonDeterminismError stalls the instance (it stays in flight, its messages
 * stay queued) instead of failing it.
 */
import type { Logger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import { OrchestrationRun } from "../engine/orchestration-run.js";
import { BatonError, NonDeterminismError } from "../errors.js";
import type { OrchestrationWorkItem, Store } from "../store/store.js";
import type { Committer } from "./committer.js";
import type { RunCache } from "./run-cache.js";

export interface EpisodeRunnerDeps {
  store: Store;
  registry: Registry;
  committer: Committer;
  cache: RunCache;
  logger: Logger;
  maxPayloadBytes: number;
  now: () => number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runEpisode(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps): Promise<void> {
  const { committer, cache } = deps;
  let run: OrchestrationRun | undefined;
  try {
    run = cache.take(item.instanceId, item.executionId, item.historyLength) ?? (await rebuild(item, deps));
    const result = await run.runEpisode(
      item.messages.map((m) => m.message),
      deps.now(),
    );
    const outcome = await committer.submit({
      type: "episode",
      instanceId: item.instanceId,
      executionId: item.executionId,
      leaseToken: item.leaseToken,
      historyLengthBefore: item.historyLength,
      consumedMessageIds: item.messages.map((m) => m.id),
      result,
    });
    if (outcome === "ok" && result.runtimeStatus === "Running") cache.put(item.instanceId, run);
  } catch (error) {
    if (!(error instanceof BatonError) || error instanceof NonDeterminismError) {
      const code = error instanceof BatonError ? error.code : "EPISODE_FAILED";
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.error(`[${item.instanceId}] episode stalled: ${message}`);
      await committer
        .submit({ type: "stall", instanceId: item.instanceId, leaseToken: item.leaseToken, code, message })
        .catch((e: unknown) => deps.logger.error(`[${item.instanceId}] could not record the stall: ${String(e)}`));
    } else {
      // A store failure: the lease expires and another attempt redoes the episode.
      deps.logger.error(`[${item.instanceId}] episode not committed: ${error.message}`);
    }
  }
}

async function rebuild(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps): Promise<OrchestrationRun> {
  const definition = deps.registry.orchestrations.get(item.name)!;
  const run = new OrchestrationRun(item.instanceId, definition, {
    yieldToEventLoop,
    logger: deps.logger,
    maxPayloadBytes: deps.maxPayloadBytes,
  });
  if (item.historyLength > 0) await run.replay(await deps.store.getHistory(item.instanceId));
  return run;
}
