/**
 * Runs one orchestration episode for a claimed instance: take the live run from the cache
 * (or rebuild it by replaying history), feed it the new messages, and submit the result for
 * group commit.
 *
 * Failures are told apart by where they happen:
 * - the engine (NonDeterminismError, or an engine bug): the instance is stalled — it stays
 *   in flight, its messages stay queued, and a worker started later tries again;
 * - the store (reading history, committing): the claim is released so the episode is redone.
 * A Terminate message ends the instance without running its code, so even a stalled
 * instance can be terminated.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../definitions/logger.js";
import type { Registry } from "../definitions/registry.js";
import type { EpisodeResult } from "../engine/command.js";
import { guardedRun, unguardedLogger } from "./determinism-guard.js";
import { afterMicrotasks } from "../support/microtasks.js";
import { OrchestrationRun } from "../engine/orchestration-run.js";
import { terminationEpisode } from "../engine/termination.js";
import { BatonError, STALLED_INSTANCE_FIX } from "../errors.js";
import type { CommitOp, OrchestrationWorkItem, WorkQueue } from "../store/store.js";
import type { Committer } from "./committer.js";
import { continueInline, type InlineActivityHost, type InlineChain } from "./inline-activities.js";
import { episodeFields } from "./log-context.js";
import type { RunCache } from "./run-cache.js";
import { isStoreFault } from "./store-faults.js";
import { committedOutcome, recordEpisode, recordLeaseLost, recordTimerLateness } from "../observability/metrics.js";
import { EpisodeSpan } from "./work-spans.js";

export interface EpisodeRunnerDeps {
  store: WorkQueue;
  registry: Registry;
  committer: Committer;
  cache: RunCache;
  logger: Logger;
  maxPayloadBytes: number;
  now: () => number;
  /** Named on the episodes' spans. */
  workerId: string;
  /** Runs hosted activities inline (see inline-activities.ts); absent to always use the queue. */
  inline: InlineActivityHost | undefined;
  /** Run orchestration code inside the determinism guard (determinism-guard.ts). */
  determinismGuard: boolean;
}

/** Runs expected to wake within this long stay live in the cache. */
const KEEP_LIVE_WITHIN_MS = 60_000;

export async function runEpisode(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps): Promise<void> {
  const span = new EpisodeSpan(item, deps.workerId);
  const failure = await runTraced(item, deps, span);
  span.end(failure);
}

/** Runs the episode; answers why it did not commit (a stall, a store error, a lost lease), if it did not. */
async function runTraced(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps, span: EpisodeSpan): Promise<unknown> {
  const startedAt = deps.now();
  const messages = item.messages.map((m) => m.message);
  const terminate = messages.find((m) => m.type === "Terminate");
  if (terminate) {
    deps.cache.take(item.instanceId, item.executionId, item.historyLength);
    const result = terminationEpisode(terminate.reason, deps.now());
    span.ran(messages, result);
    return (await commit(item, result, deps, span)) ? undefined : NOT_COMMITTED;
  }

  let history;
  const cached = deps.cache.take(item.instanceId, item.executionId, item.historyLength);
  if (!cached && item.historyLength > 0) {
    try {
      history = await deps.store.getHistory(item.instanceId);
    } catch (error) {
      if (!isStoreFault(error)) deps.logger.error("could not read history; the episode will be retried", { ...episodeFields(item), ...span.logFields, err: error });
      await release(item, deps);
      return error;
    }
  }

  let run: OrchestrationRun;
  let chain: InlineChain;
  try {
    run = cached ?? newRun(item, deps);
    run.episodeFields = span.logFields;
    // Guarded, the code runs inside the guard; the worker's own steps (starting inline
    // activities among them) stay outside it.
    const code = deps.determinismGuard ? guardedRun(run, item.name) : run;
    if (history) await code.replay(history);
    for (const m of messages) if (m.type === "TimerFired") recordTimerLateness(item.name, startedAt - (run.pendingTimerFireAt(m.seq) ?? startedAt));
    const result = await code.runEpisode(messages, deps.now());
    chain = deps.inline
      ? await continueInline(code, item, result, deps.inline, { now: deps.now, startedAt, traceContext: span.traceContext, attemptsParent: span.attemptsParent })
      : { result, attempts: [], runningTasks: [] };
  } catch (error) {
    const code = error instanceof BatonError ? error.code : "EPISODE_FAILED";
    const message = stallMessage(error);
    deps.logger.error("episode stalled", { ...episodeFields(item), ...span.logFields, code, reason: message });
    await submit({ type: "stall", instanceId: item.instanceId, leaseToken: item.leaseToken, code, message }, item, deps, span);
    return error;
  }
  // Keep live only runs that will wake soon: one waiting on an event or a distant timer may
  // wait for days, and replaying it when it wakes costs less than holding it in memory.
  // The run is cached before its commit resolves, because the commit may claim the
  // instance's next episode in the same transaction and start it at once. Should the commit
  // fail, the cached run is one episode ahead of the store and is never taken (take()
  // checks the history length), and it is evicted here.
  const { result, attempts, runningTasks } = chain;
  span.ran(messages, result);
  const now = deps.now();
  const keepLive = result.runtimeStatus === "Running" && run.expectedWakeAt(now) - now <= KEEP_LIVE_WITHIN_MS;
  if (keepLive) deps.cache.put(item.instanceId, run);
  const committing = commit(item, result, deps, span, runningTasks);
  for (const attempt of attempts) attempt.afterEpisode(committing);
  const committed = await committing;
  if (keepLive && !committed) deps.cache.evict(item.instanceId, run);
  return committed ? undefined : NOT_COMMITTED;
}

/** The status of the span of an episode whose commit was refused or failed (it is redone). */
const NOT_COMMITTED = "The episode did not commit (its lease was lost, or the store failed); it will be redone.";

async function commit(
  item: OrchestrationWorkItem,
  result: EpisodeResult,
  deps: EpisodeRunnerDeps,
  span: EpisodeSpan,
  runningTasks: InlineChain["runningTasks"] = [],
): Promise<boolean> {
  return submit(
    {
      type: "episode",
      instanceId: item.instanceId,
      executionId: item.executionId,
      leaseToken: item.leaseToken,
      historyLengthBefore: item.historyLength,
      consumedMessageIds: item.messages.map((m) => m.id),
      result,
      ...(runningTasks.length ? { runningTasks } : {}),
      ...(result.runtimeStatus === "ContinuedAsNew" ? { newExecutionId: randomUUID() } : {}),
      ...(span.traceContext ? { traceContext: span.traceContext } : {}),
    },
    item,
    deps,
    span,
  );
}

/** Submits an op; true when it committed. A failed commit releases the claim for a retry. */
async function submit(op: CommitOp, item: OrchestrationWorkItem, deps: EpisodeRunnerDeps, span: EpisodeSpan): Promise<boolean> {
  try {
    const outcome = await deps.committer.submit(op);
    if (outcome === "leaseLost") {
      recordEpisode(item.name, "lease_lost");
      recordLeaseLost("orchestration");
      deps.logger.warn("instance lease lost; another worker has this instance", { ...episodeFields(item), ...span.logFields });
    } else recordEpisode(item.name, op.type === "episode" ? committedOutcome(op.result.runtimeStatus) : "stalled");
    return outcome === "ok";
  } catch (error) {
    // A full disk or a damaged file is logged once by the worker, not once per episode.
    if (!isStoreFault(error)) deps.logger.error("commit failed; the episode will be retried", { ...episodeFields(item), ...span.logFields, err: error });
    await release(item, deps);
    return false;
  }
}

async function release(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps): Promise<void> {
  recordEpisode(item.name, "released");
  try {
    await deps.committer.submit({ type: "releaseInstance", instanceId: item.instanceId, leaseToken: item.leaseToken });
  } catch {
    // The store is unreachable: the lease expires on its own and the episode is redone then.
  }
}

function newRun(item: OrchestrationWorkItem, deps: EpisodeRunnerDeps): OrchestrationRun {
  const definition = deps.registry.orchestrations.get(item.name)!;
  return new OrchestrationRun(item.instanceId, definition, {
    afterMicrotasks,
    logger: deps.determinismGuard ? unguardedLogger(deps.logger) : deps.logger,
    maxPayloadBytes: deps.maxPayloadBytes,
  });
}

/** The error, and what works on the stalled instance (never rewind: it is not Failed). */
function stallMessage(error: unknown): string {
  const text = describe(error);
  return text.includes(STALLED_INSTANCE_FIX) ? text : `${text} ${STALLED_INSTANCE_FIX}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
