/**
 * The management client: start, inspect, signal and clean up orchestration instances.
 * Every method checks its arguments before touching the store, so bad input is rejected
 * with a named error and nothing is written.
 */
import { randomUUID } from "node:crypto";
import { validateFunctionName, validateInstanceId } from "../definitions/names.js";
import type { InstanceId } from "../definitions/instance-id.js";
import type { Jsonified } from "../definitions/json-types.js";
import { closestName } from "../definitions/did-you-mean.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import type { OrchestrationDefinition } from "../definitions/orchestration.js";
import { serialize } from "../definitions/payload.js";
import type { Registry } from "../definitions/registry.js";
import { toMs, toTimeMs, type Duration } from "../definitions/duration.js";
import { ClosedError, InstanceNotFoundError, InvalidArgumentError, NotRegisteredError, TimeoutError } from "../errors.js";
import { FINISHED_STATUSES, LIVE_STATUSES, RuntimeStatus, type InstanceCounts, type InstanceStore, type WorkQueueName } from "../store/store.js";
import type { CompletionNotifier } from "../support/completion-notifier.js";
import { clampedDelay } from "../support/long-timeout.js";
import { context, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { parseTraceparent, withTraceState } from "../observability/trace-context.js";
import { endSpan, startSpanOfClient } from "../observability/tracing.js";
import { CompletionWatcher } from "./completion-watcher.js";
import { dateMs, storeFilterOf } from "./instance-filter.js";
import {
  changedSince,
  countInstances,
  DEFAULT_HISTORY_PAGE,
  historyPage,
  listFunctions,
  listWorkers,
  MAX_CHANGES,
  type FunctionsInfo,
  type HistoryPage,
  type InstanceChange,
  type CountedInstances,
  type WorkerInfo,
} from "./dashboard-reads.js";
import { oldestMatching, replayCheckInstance, replayCheckMany, type InstanceReplayCheck, type ReplayCheckSummary } from "./replay-check.js";
import { toInstanceStatus, type InstanceStatus } from "./instance-status.js";
import { MAX_PENDING_SHOWN, toPendingWork } from "./pending-work.js";

export interface StartNewOptions<In> {
  input?: In;
  /** Default: a random UUID. */
  instanceId?: string;
  /** Start no earlier than this time. */
  startAt?: Date | string;
  /** Replace an existing instance with this id if it has finished. */
  reuseFinished?: boolean;
  /**
   * The trace to join, as a W3C `traceparent` header value, for a caller that carries trace
   * context by hand (an HTTP header, a message's metadata). Default: the active context.
   * Every span of the instance joins the trace it starts in (docs/observability.md).
   */
  traceparent?: string;
  /**
   * The W3C `tracestate` header value that came with `traceparent` (vendors' entries, kept
   * with the instance and carried by all of its spans). Only with `traceparent`.
   */
  tracestate?: string;
}

export interface RestartOptions {
  /**
   * The trace the new execution joins, as a W3C `traceparent` header value (see
   * StartNewOptions.traceparent). Default: the active context's, when an SDK records it; else
   * the instance keeps the trace it had.
   */
  traceparent?: string;
  /** The `tracestate` that came with `traceparent` (see StartNewOptions.tracestate). */
  tracestate?: string;
}

export interface GetStatusOptions {
  showHistory?: boolean;
  showInput?: boolean;
  /** Default true: a live instance's status tells what it waits on (`pending`); false saves those reads. */
  showPending?: boolean;
}

export interface WaitForCompletionOptions {
  /** Reject with TimeoutError when the instance has not finished by then. Default: wait for ever. */
  timeout?: Duration;
}

export interface ListFilter {
  runtimeStatus?: RuntimeStatus[];
  name?: string;
  createdFrom?: Date;
  createdTo?: Date;
  instanceIdPrefix?: string;
  /** Default 100, at most 1000. */
  pageSize?: number;
  continuationToken?: string;
}

export const MAX_PAGE_SIZE = 1000;

/** The filter of purgeWhere: the filter of list, without paging. */
export type PurgeWhereFilter = Omit<ListFilter, "pageSize" | "continuationToken">;
/** The filter of countInstances and replayCheckWhere: the filter of list, without paging. */
export type InstanceCountFilter = PurgeWhereFilter;
/** Instances replayCheckWhere checks at most, by default. */
export const DEFAULT_REPLAY_CHECK_LIMIT = 1000;
/** Instances purged per transaction: a long purge leaves the write lock to others in between. */
const PURGE_BATCH = 1000;

/**
 * What the store holds at one moment, as an autoscaler reads it (`client.workload()`). Ready
 * work is work a worker hosting its function could claim now: orchestration instances with a
 * visible message (not leased, suspended or stalled), or activity tasks visible and not leased.
 */
export interface Workload {
  at: Date;
  ready: { queue: WorkQueueName; name: string; items: number; oldestAgeMs: number }[];
  instances: InstanceCounts;
}

export interface ClientOptions {
  store: InstanceStore;
  registry?: Registry;
  notifier?: CompletionNotifier;
  maxPayloadBytes: number;
  now: () => number;
  /** Called by close(); a baton's client leaves closing to baton.stop(). */
  onClose?: () => Promise<void>;
  /** Called after work was enqueued, with when it becomes visible: wakes a worker in this process. */
  onEnqueued?: (visibleAt: number) => void;
}

const START_NEW_KEYS = knownKeys<StartNewOptions<unknown>>()({ input: true, instanceId: true, startAt: true, reuseFinished: true, traceparent: true, tracestate: true });
const RESTART_KEYS = knownKeys<RestartOptions>()({ traceparent: true, tracestate: true });
const GET_STATUS_KEYS = knownKeys<GetStatusOptions>()({ showHistory: true, showInput: true, showPending: true });
const NO_PENDING: GetStatusOptions = { showPending: false };
const WAIT_KEYS = knownKeys<WaitForCompletionOptions>()({ timeout: true });
const LIST_FILTER_KEYS = knownKeys<ListFilter>()({
  runtimeStatus: true,
  name: true,
  createdFrom: true,
  createdTo: true,
  instanceIdPrefix: true,
  pageSize: true,
  continuationToken: true,
});
const PURGE_FILTER_KEYS = knownKeys<PurgeWhereFilter>()({ runtimeStatus: true, name: true, createdFrom: true, createdTo: true, instanceIdPrefix: true });
const COUNT_OPTION_KEYS = knownKeys<{ cap?: number }>()({ cap: true });
const HISTORY_PAGE_KEYS = knownKeys<{ from?: number; limit?: number }>()({ from: true, limit: true });
const CHANGES_KEYS = knownKeys<{ limit?: number }>()({ limit: true });
const PURGE_OPTION_KEYS = knownKeys<NonNullable<Parameters<BatonClient["purgeWhere"]>[1]>>()({ onProgress: true });

export class BatonClient {
  private closed = false;
  private readonly watcher: CompletionWatcher;

  constructor(private readonly options: ClientOptions) {
    this.watcher = new CompletionWatcher(options.store, options.notifier);
  }

  /**
   * Starts a new instance and returns its id. Started from a definition, the id carries the
   * orchestration's output type (InstanceId), for waitForCompletion and getStatus.
   */
  startNew<In = unknown, Out = unknown>(name: string, options?: StartNewOptions<In>): Promise<InstanceId<Out>>;
  // Last, so that a wrong input is reported against this signature, which names the orchestration.
  startNew<In, Out, Name extends string>(
    orchestration: OrchestrationDefinition<In, Out, Name>,
    options?: StartNewOptions<NoInfer<In>>,
  ): Promise<InstanceId<Out>>;
  async startNew(orchestration: OrchestrationDefinition | string, options?: StartNewOptions<unknown>): Promise<string> {
    this.assertOpen();
    const name = typeof orchestration === "string" ? orchestration : orchestration?.name;
    validateFunctionName(name, "orchestration");
    if (options !== undefined) checkKeys(options, START_NEW_KEYS, "startNew");
    const instanceId = options?.instanceId ?? randomUUID();
    validateInstanceId(instanceId);
    const input = serialize(options?.input, `Input of orchestration "${name}"`, this.options.maxPayloadBytes);
    const startAt = options?.startAt === undefined ? 0 : toTimeMs(options.startAt, "startAt", this.options.now(), true);
    const parent = joinedContext(options, "startNew") ?? context.active();
    await this.assertKnown(name);
    const { span, traceContext } = startSpanOfClient("startNew", name, instanceId, parent);
    try {
      const now = this.options.now();
      const request = { instanceId, name, executionId: randomUUID(), input, startAt, reuseFinished: options?.reuseFinished === true };
      await this.options.store.createInstance(traceContext ? { ...request, traceContext } : request, now);
      this.options.onEnqueued?.(Math.max(startAt, now));
      endSpan(span);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    return instanceId;
  }

  /**
   * The instance's status, or null when there is no such instance. `output` is typed by the
   * id (see InstanceId), by the definition given first, or by `Out`, as JSON delivers it.
   * With a definition, an instance of another orchestration is an InvalidArgumentError.
   */
  getStatus<Out = unknown>(instanceId: InstanceId<Out> | string, options?: GetStatusOptions): Promise<InstanceStatus<Jsonified<Out>> | null>;
  getStatus<In, Out, Name extends string>(
    orchestration: OrchestrationDefinition<In, Out, Name>,
    instanceId: string,
    options?: GetStatusOptions,
  ): Promise<InstanceStatus<Jsonified<Out>> | null>;
  async getStatus(...args: ByIdArgs<GetStatusOptions>): Promise<InstanceStatus | null> {
    const [expected, instanceId, options] = byIdArgs(args);
    this.assertOpen();
    validateInstanceId(instanceId);
    if (options !== undefined) checkKeys(options, GET_STATUS_KEYS, "getStatus");
    const record = await this.options.store.getInstance(instanceId);
    if (!record) return null;
    assertOrchestration(expected, record.name, instanceId);
    const history = options?.showHistory ? await this.options.store.getHistory(instanceId) : undefined;
    const status = toInstanceStatus(record, { showInput: options?.showInput ?? true, ...(history ? { history } : {}) });
    if (record.runtimeStatus === "Pending" || record.runtimeStatus === "Running") {
      const unhosted = await this.options.store.unhostedWork(instanceId, this.options.now());
      if (unhosted.orchestration !== undefined || unhosted.activities.length > 0) status.waitingForWorker = describeUnhosted(unhosted);
    }
    if (options?.showPending !== false && LIVE_STATUSES.includes(record.runtimeStatus)) {
      const pending = await this.options.store.pendingWork(instanceId, this.options.now(), MAX_PENDING_SHOWN);
      if (pending) status.pending = toPendingWork(pending);
    }
    return status;
  }

  /**
   * Resolves with the status once the instance is Completed, Failed or Terminated. `output`
   * is typed as in getStatus: by the id, by the definition given first, or by `Out`.
   */
  waitForCompletion<Out = unknown>(instanceId: InstanceId<Out> | string, options?: WaitForCompletionOptions): Promise<InstanceStatus<Jsonified<Out>>>;
  waitForCompletion<In, Out, Name extends string>(
    orchestration: OrchestrationDefinition<In, Out, Name>,
    instanceId: string,
    options?: WaitForCompletionOptions,
  ): Promise<InstanceStatus<Jsonified<Out>>>;
  async waitForCompletion(...args: ByIdArgs<WaitForCompletionOptions>): Promise<InstanceStatus> {
    const [expected, instanceId, options] = byIdArgs(args);
    validateInstanceId(instanceId);
    if (options !== undefined) checkKeys(options, WAIT_KEYS, "waitForCompletion");
    const timeoutMs = options?.timeout === undefined ? Infinity : toMs(options.timeout, "waitForCompletion timeout");
    const deadline = Date.now() + timeoutMs;
    this.assertOpen();
    let wakeUp: () => void = () => {};
    let woken = new Promise<void>((resolve) => (wakeUp = resolve));
    const unwatch = this.watcher.watch(instanceId, () => wakeUp());
    try {
      for (;;) {
        const remaining = deadline - Date.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise((resolve) => (timer = setTimeout(resolve, clampedDelay(remaining))))]);
        clearTimeout(timer);
        woken = new Promise<void>((resolve) => (wakeUp = resolve));
        this.assertOpen();
        // Polled until it ends: what a live instance waits on is not asked for.
        const status = await (expected ? this.getStatus(expected, instanceId, NO_PENDING) : this.getStatus(instanceId, NO_PENDING));
        if (!status) throw new InstanceNotFoundError(instanceId);
        if (FINISHED_STATUSES.includes(status.runtimeStatus)) return status;
        if (deadline - Date.now() <= 0) {
          throw new TimeoutError(`Instance "${instanceId}" is still ${status.runtimeStatus} after ${timeoutMs} ms.`);
        }
      }
    } finally {
      unwatch();
    }
  }

  /** Sends an event to a running instance; it is buffered until the instance waits for it. */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    this.assertOpen();
    validateInstanceId(instanceId);
    validateFunctionName(eventName, "event");
    const serialized = serialize(data, `Data of event "${eventName}"`, this.options.maxPayloadBytes);
    await this.options.store.sendMessage(
      instanceId,
      { type: "EventRaised", name: eventName, ...(serialized === undefined ? {} : { data: serialized }) },
      this.options.now(),
    );
    this.options.onEnqueued?.(this.options.now());
  }

  /** Ends a running instance; its status becomes Terminated with `reason` as output. */
  async terminate(instanceId: string, reason?: string): Promise<void> {
    this.assertOpen();
    validateInstanceId(instanceId);
    if (reason !== undefined && typeof reason !== "string") throw new InvalidArgumentError("terminate reason must be a string.");
    await this.options.store.sendMessage(instanceId, { type: "Terminate", ...(reason === undefined ? {} : { reason }) }, this.options.now());
    this.options.onEnqueued?.(this.options.now());
  }

  /**
   * Suspends a Running instance: no episode runs until `resume`. Activities already started
   * finish and their results, fired timers and raised events wait, in order, for the resume.
   * Suspending a suspended instance does nothing.
   */
  async suspend(instanceId: string, reason?: string): Promise<void> {
    await this.sendControl(instanceId, "Suspend", reason);
  }

  /** Resumes a suspended instance: what arrived meanwhile is delivered in the order it arrived. */
  async resume(instanceId: string, reason?: string): Promise<void> {
    await this.sendControl(instanceId, "Resume", reason);
    this.options.onEnqueued?.(this.options.now());
  }

  private async sendControl(instanceId: string, type: "Suspend" | "Resume", reason: string | undefined): Promise<void> {
    this.assertOpen();
    validateInstanceId(instanceId);
    if (reason !== undefined && typeof reason !== "string") throw new InvalidArgumentError(`${type.toLowerCase()} reason must be a string.`);
    const message = { type, ...(reason === undefined ? {} : { reason }) };
    await this.options.store.sendMessage(instanceId, message, this.options.now());
  }

  /** Deletes a finished instance and its history. Resolves false when there was no such instance. */
  async purge(instanceId: string): Promise<boolean> {
    this.assertOpen();
    validateInstanceId(instanceId);
    return this.options.store.purgeInstance(instanceId);
  }

  /**
   * Deletes every finished instance (Completed, Failed, Terminated) that matches `filter`,
   * with its history, in transactions of at most 1,000 instances; resolves with how many.
   * `runtimeStatus` may name finished statuses only; omitted, it means all three. `{}`
   * purges every finished instance. Unknown keys are rejected: a misspelt filter must not
   * widen a purge.
   */
  async purgeWhere(filter: PurgeWhereFilter, options: { onProgress?: (purged: number) => void } = {}): Promise<{ purged: number }> {
    this.assertOpen();
    if (typeof filter !== "object" || filter === null) throw new InvalidArgumentError("purgeWhere needs a filter object; {} purges every finished instance.");
    checkKeys(filter, PURGE_FILTER_KEYS, "purgeWhere", "filter key");
    checkKeys(options, PURGE_OPTION_KEYS, "purgeWhere");
    const statuses = filter.runtimeStatus;
    if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !FINISHED_STATUSES.includes(s)))) {
      throw new InvalidArgumentError(`purgeWhere: runtimeStatus must be an array of finished statuses (${FINISHED_STATUSES.join(", ")}).`);
    }
    if (filter.name !== undefined) validateFunctionName(filter.name, "orchestration");
    if (filter.instanceIdPrefix !== undefined && typeof filter.instanceIdPrefix !== "string") {
      throw new InvalidArgumentError("purgeWhere: instanceIdPrefix must be a string.");
    }
    const storeFilter = {
      ...(statuses ? { runtimeStatus: statuses } : {}),
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      ...(filter.createdFrom !== undefined ? { createdFrom: dateMs(filter.createdFrom, "createdFrom") } : {}),
      ...(filter.createdTo !== undefined ? { createdTo: dateMs(filter.createdTo, "createdTo") } : {}),
      ...(filter.instanceIdPrefix !== undefined ? { instanceIdPrefix: filter.instanceIdPrefix } : {}),
    };
    let purged = 0;
    for (;;) {
      const batch = await this.options.store.purgeInstances(storeFilter, PURGE_BATCH);
      purged += batch;
      options.onProgress?.(purged);
      if (batch < PURGE_BATCH) return { purged };
      this.assertOpen();
    }
  }

  /**
   * Takes a Failed instance back to just before the episode that failed and runs it again:
   * the work done before stays, a failed activity runs again as a new first attempt. Deploy a
   * fix first when the failure came from the code.
   */
  async rewind(instanceId: string, reason?: string): Promise<void> {
    this.assertOpen();
    validateInstanceId(instanceId);
    if (reason !== undefined && typeof reason !== "string") throw new InvalidArgumentError("rewind reason must be a string.");
    const now = this.options.now();
    await this.options.store.rewindInstance(instanceId, reason, now);
    this.options.onEnqueued?.(now);
  }

  /**
   * Starts a finished instance over: a new execution under the same id, with the same
   * orchestration and input; its old history is replaced. Resolves with the instance id.
   * Rejects with InstanceNotFinishedError while it runs (terminate it first).
   */
  async restart(instanceId: string, options?: RestartOptions): Promise<string> {
    this.assertOpen();
    validateInstanceId(instanceId);
    if (options !== undefined) checkKeys(options, RESTART_KEYS, "restart");
    const given = joinedContext(options, "restart");
    const parent = given ?? context.active();
    const now = this.options.now();
    // Traced, or given a traceparent, the new execution joins the restart's trace; else it keeps the one it had.
    const { span, traceContext } = startSpanOfClient("restart", "", instanceId, parent);
    try {
      await this.options.store.restartInstance(instanceId, randomUUID(), now, span.isRecording() || given !== undefined ? traceContext : undefined);
      this.options.onEnqueued?.(now);
      endSpan(span);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    return instanceId;
  }

  /** One page of instances, oldest first; pass `continuationToken` back for the next page. */
  async list(filter: ListFilter = {}): Promise<{ instances: InstanceStatus[]; continuationToken: string | undefined }> {
    this.assertOpen();
    checkKeys(filter, LIST_FILTER_KEYS, "list", "filter key");
    const pageSize = filter.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidArgumentError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${filter.pageSize}.`);
    }
    const page = await this.options.store.listInstances({
      pageSize,
      ...storeFilterOf(filter),
      ...(filter.continuationToken !== undefined ? { continuationToken: filter.continuationToken } : {}),
    });
    return {
      instances: page.instances.map((record) => toInstanceStatus(record, { showInput: false })),
      continuationToken: page.continuationToken,
    };
  }

  /**
   * How many instances are in each status, under an optional filter. Unfiltered, the counts are
   * exact; filtered, each stops at `cap` (default 10,000) and `capped` says one did.
   */
  async countInstances(filter: InstanceCountFilter = {}, options: { cap?: number } = {}): Promise<CountedInstances> {
    this.assertOpen();
    checkKeys(filter, PURGE_FILTER_KEYS, "countInstances", "filter key");
    checkKeys(options, COUNT_OPTION_KEYS, "countInstances");
    return countInstances(this.options.store, storeFilterOf(filter), options.cap);
  }

  /** The running workers (heartbeat younger than their lease): what each hosts and when it last beat. */
  async listWorkers(): Promise<WorkerInfo[]> {
    this.assertOpen();
    return listWorkers(this.options.store, this.options.now());
  }

  /** Every function a worker announced, and whether a running worker hosts it now. */
  async listFunctions(): Promise<FunctionsInfo> {
    this.assertOpen();
    return listFunctions(this.options.store, this.options.now());
  }

  /**
   * A page of an instance's history: up to `limit` events (default 500, at most 5,000) from
   * position `from` (default 0); `next` is where the following page starts, null at the end.
   * Null when there is no such instance.
   */
  async getHistoryPage(instanceId: string, options: { from?: number; limit?: number } = {}): Promise<HistoryPage | null> {
    this.assertOpen();
    validateInstanceId(instanceId);
    checkKeys(options, HISTORY_PAGE_KEYS, "getHistoryPage");
    return historyPage(this.options.store, instanceId, options.from ?? 0, options.limit ?? DEFAULT_HISTORY_PAGE);
  }

  /** Instances that changed at or after `since`, the latest first, at most `limit` (default and largest 1,000). */
  async changedSince(since: Date, options: { limit?: number } = {}): Promise<InstanceChange[]> {
    this.assertOpen();
    checkKeys(options, CHANGES_KEYS, "changedSince");
    return changedSince(this.options.store, dateMs(since, "since"), options.limit ?? MAX_CHANGES);
  }

  /**
   * Replays the instance's stored history against the orchestration registered in this process
   * (createBaton's functions): `{ ok: true, events }`, or the first event where code and
   * history part. Rejects with NoCodeLoadedError when this process has no code for it.
   */
  async replayCheck(instanceId: string): Promise<InstanceReplayCheck> {
    this.assertOpen();
    validateInstanceId(instanceId);
    return replayCheckInstance(this.options.store, this.options.registry, this.options.maxPayloadBytes, instanceId);
  }

  /**
   * replayCheck over the instances matching `filter` (by default those still running: Pending,
   * Running, Suspended), the oldest first, at most `limit` (default 1,000). Instances of
   * orchestrations this process has no code for are not checked; their names are in `noCode`.
   */
  async replayCheckWhere(filter: InstanceCountFilter = {}, options: { limit?: number } = {}): Promise<ReplayCheckSummary> {
    this.assertOpen();
    checkKeys(filter, PURGE_FILTER_KEYS, "replayCheckWhere", "filter key");
    checkKeys(options, CHANGES_KEYS, "replayCheckWhere");
    const limit = options.limit ?? DEFAULT_REPLAY_CHECK_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`replayCheckWhere limit must be a whole number of at least 1, got ${limit}.`);
    const instances = await oldestMatching(this.options.store, { runtimeStatus: LIVE_STATUSES, ...storeFilterOf(filter) }, limit);
    return replayCheckMany(this.options.store, this.options.registry, this.options.maxPayloadBytes, instances);
  }

  /** Which database the store is: what a dashboard shows, and what it may expect of counts. */
  get storeKind(): "sqlite" | "postgres" {
    return /^postgres(ql)?:/i.test(this.options.store.url) ? "postgres" : "sqlite";
  }

  /**
   * The work ready now per queue and function, with the age of its oldest item, and how many
   * instances are in each status: the figures of `GET /api/metrics`. Cheap on a large store:
   * read through indexes, finished instances from counts the store keeps as they change.
   */
  async workload(): Promise<Workload> {
    this.assertOpen();
    const now = this.options.now();
    const [ready, instances] = await Promise.all([this.options.store.readyWork(now), this.options.store.countInstances()]);
    return {
      at: new Date(now),
      ready: ready.map(({ queue, name, items, oldestVisibleAt }) => ({ queue, name, items, oldestAgeMs: Math.max(0, now - oldestVisibleAt) })),
      instances,
    };
  }

  /** Closes a client made by createClient (and its store). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.options.onClose?.();
  }

  private async assertKnown(name: string): Promise<void> {
    if (this.options.registry?.orchestrations.has(name)) return;
    const known = await this.options.store.knownFunctions();
    if (known.orchestrations.includes(name)) return;
    const hosted = this.options.registry?.names() ?? { activities: [], orchestrations: [] };
    if (known.activities.includes(name) || hosted.activities.includes(name)) {
      throw new NotRegisteredError(name, "orchestration", { name, isKind: "activity" });
    }
    const meant = closestName(name, [...new Set([...hosted.orchestrations, ...known.orchestrations])]);
    throw new NotRegisteredError(name, "orchestration", meant === undefined ? undefined : { name: meant });
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("This client is closed. Create a new one with createClient().");
  }
}

function describeUnhosted(unhosted: { orchestration?: string; activities: string[] }): NonNullable<InstanceStatus["waitingForWorker"]> {
  const parts: string[] = [];
  if (unhosted.orchestration !== undefined) parts.push(`orchestration "${unhosted.orchestration}"`);
  if (unhosted.activities.length > 0) parts.push(`activit${unhosted.activities.length > 1 ? "ies" : "y"} ${unhosted.activities.map((a) => `"${a}"`).join(", ")}`);
  return {
    ...(unhosted.orchestration !== undefined ? { orchestration: unhosted.orchestration } : {}),
    ...(unhosted.activities.length > 0 ? { activities: unhosted.activities } : {}),
    message: `No running worker hosts ${parts.join(" or ")}; the instance waits until one that does starts.`,
  };
}

/** The arguments of getStatus and waitForCompletion: an id, or the definition of its orchestration and an id. */
type ByIdArgs<Options> = [instanceId: string, options?: Options] | [orchestration: OrchestrationDefinition, instanceId: string, options?: Options];

function byIdArgs<Options>(args: ByIdArgs<Options>): [OrchestrationDefinition | undefined, string, Options | undefined] {
  const [first, second, third] = args;
  if (typeof first === "object" && first !== null) return [first, second as string, third];
  return [undefined, first as string, second as Options | undefined];
}

/** With a definition, the caller's types promise that orchestration's output: keep the promise. */
function assertOrchestration(expected: OrchestrationDefinition | undefined, name: string, instanceId: string): void {
  if (expected === undefined || expected.name === name) return;
  throw new InvalidArgumentError(
    `Instance "${instanceId}" runs orchestration "${name}", not "${expected.name}": pass the definition of "${name}", or the id alone.`,
  );
}

/**
 * The context of the trace given to startNew or restart, undefined when none is: a malformed
 * traceparent, or a tracestate that is no string or comes without one, is refused before
 * anything is written. The entries of a tracestate are read as W3C asks (those not
 * well-formed are dropped).
 */
function joinedContext(options: { traceparent?: unknown; tracestate?: unknown } | undefined, method: "startNew" | "restart"): Context | undefined {
  if (options?.traceparent === undefined && options?.tracestate === undefined) return undefined;
  const { traceparent, tracestate } = options;
  const spanContext = typeof traceparent === "string" ? parseTraceparent(traceparent) : undefined;
  if (!spanContext) {
    const hint = traceparent === undefined ? " (a tracestate is only read with the traceparent it came with)" : "";
    throw new InvalidArgumentError(`${method}: traceparent must be a W3C traceparent such as "00-<32 hex trace id>-<16 hex span id>-01", got ${JSON.stringify(traceparent)}${hint}.`);
  }
  if (tracestate !== undefined && typeof tracestate !== "string") {
    throw new InvalidArgumentError(`${method}: tracestate must be a W3C tracestate header value (a string such as "vendor=value"), got ${JSON.stringify(tracestate)}.`);
  }
  return trace.setSpanContext(ROOT_CONTEXT, withTraceState(spanContext, tracestate));
}
