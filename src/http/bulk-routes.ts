/**
 * Bulk actions: one action (terminate, suspend, resume, rewind, restart, purge, raiseEvent) on
 * every instance matching a filter. `POST /api/bulk` with `dryRun` counts what it would touch;
 * without, it starts a job and answers 202 `{ jobId, total }`; `GET /api/bulk/{jobId}` and the
 * stream's `bulk` events follow its progress.
 *
 * Jobs live in the serving process: a restart forgets them. Each action is idempotent per
 * instance (or fails on that instance alone, e.g. resuming one not suspended), so running a
 * job again after a restart is safe.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { randomUUID } from "node:crypto";
import type { BatonClient } from "../client/client.js";
import { BatonError, InvalidArgumentError } from "../errors.js";
import { filterOfBody } from "./dashboard-routes.js";
import type { LiveFeed } from "./live-stream.js";
import { HttpError, jsonBody, queryOf } from "./request-params.js";

export const BULK_ACTIONS = ["terminate", "suspend", "resume", "rewind", "restart", "purge", "raiseEvent"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkRequest {
  action: BulkAction;
  filter: ReturnType<typeof filterOfBody>;
  reason?: string;
  eventName?: string;
  eventData?: unknown;
}

/** A job's progress: `done` instances succeeded, `failed` did not (the first 50 errors kept). */
export interface BulkJobStatus {
  jobId: string;
  action: BulkAction;
  total: number;
  done: number;
  failed: number;
  errors: { instanceId: string; code: string; message: string }[];
  finished: boolean;
}

/** Most instances one job takes: past that, narrow the filter (or run several jobs). */
export const MAX_BULK_INSTANCES = 100_000;
const MAX_ERRORS_KEPT = 50;
/** Jobs remembered, finished ones forgotten oldest first past this. */
const MAX_JOBS_KEPT = 100;
/** Instances acted on at once by one job. */
const CONCURRENCY = 4;
/** Between two progress events of one job on the stream. */
const PROGRESS_INTERVAL_MS = 250;
const LIST_PAGE = 1000;
const BODY_KEYS = ["action", "filter", "reason", "eventName", "eventData", "dryRun"];

export class BulkJobs {
  private readonly jobs = new Map<string, BulkJobStatus>();

  constructor(
    private readonly client: BatonClient,
    private readonly feed: LiveFeed,
  ) {}

  /** The ids the request matches, oldest first; refuses more than MAX_BULK_INSTANCES. */
  async matching(request: BulkRequest): Promise<string[]> {
    const ids: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.list({ ...request.filter, pageSize: LIST_PAGE, ...(continuationToken ? { continuationToken } : {}) });
      ids.push(...page.instances.map((instance) => instance.instanceId));
      continuationToken = page.continuationToken;
      if (ids.length > MAX_BULK_INSTANCES) {
        throw new InvalidArgumentError(`The filter matches more than ${MAX_BULK_INSTANCES} instances; narrow it (e.g. by createdTo) and run several jobs.`);
      }
    } while (continuationToken);
    return ids;
  }

  start(request: BulkRequest, ids: readonly string[]): BulkJobStatus {
    const job: BulkJobStatus = { jobId: randomUUID(), action: request.action, total: ids.length, done: 0, failed: 0, errors: [], finished: ids.length === 0 };
    this.remember(job);
    void this.run(job, request, ids);
    return job;
  }

  get(jobId: string): BulkJobStatus | undefined {
    return this.jobs.get(jobId);
  }

  private remember(job: BulkJobStatus): void {
    this.jobs.set(job.jobId, job);
    for (const [id, old] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS_KEPT) break;
      if (old.finished) this.jobs.delete(id);
    }
  }

  private async run(job: BulkJobStatus, request: BulkRequest, ids: readonly string[]): Promise<void> {
    let next = 0;
    let reportedAt = 0;
    const report = (): void => {
      reportedAt = Date.now();
      this.feed.publish({ event: "bulk", data: { ...job, errors: [...job.errors] } });
    };
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const instanceId = ids[next++]!;
        try {
          await this.act(request, instanceId);
          job.done += 1;
        } catch (error) {
          job.failed += 1;
          if (job.errors.length < MAX_ERRORS_KEPT) {
            const code = error instanceof BatonError ? error.code : "INTERNAL";
            job.errors.push({ instanceId, code, message: error instanceof Error ? error.message : String(error) });
          }
        }
        if (Date.now() - reportedAt >= PROGRESS_INTERVAL_MS) report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
    job.finished = true;
    report();
  }

  private async act(request: BulkRequest, instanceId: string): Promise<void> {
    const { client } = this;
    switch (request.action) {
      case "terminate":
      case "suspend":
      case "resume":
      case "rewind":
        return client[request.action](instanceId, request.reason);
      case "restart":
        await client.restart(instanceId);
        return;
      case "purge":
        if (!(await client.purge(instanceId))) throw new HttpError("INSTANCE_NOT_FOUND", `No instance "${instanceId}" to purge.`);
        return;
      case "raiseEvent":
        return client.raiseEvent(instanceId, request.eventName!, request.eventData);
    }
  }
}

export function bulkRoutes(app: Hono, options: { jobs: BulkJobs; writes: MiddlewareHandler }): void {
  const { jobs } = options;
  app.post("/api/bulk", options.writes, async (c) => {
    queryOf(c, []);
    const { request, dryRun } = bulkRequestOf(await jsonBody(c));
    const ids = await jobs.matching(request);
    if (dryRun) return c.json({ count: ids.length });
    const job = jobs.start(request, ids);
    return c.json({ jobId: job.jobId, total: job.total }, 202);
  });

  app.get("/api/bulk/:jobId", (c) => {
    queryOf(c, []);
    const job = jobs.get(c.req.param("jobId"));
    if (!job) throw new HttpError("BULK_JOB_NOT_FOUND", `No bulk job "${c.req.param("jobId")}" in this process: jobs are forgotten when it restarts (run the job again: each action is safe to repeat).`);
    return c.json(job);
  });
}

function bulkRequestOf(body: unknown): { request: BulkRequest; dryRun: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('The body is { "action": "terminate", "filter": { "runtimeStatus": ["Running"] }, "reason": "…", "dryRun": true }.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !BODY_KEYS.includes(key));
  if (unknown !== undefined) throw new InvalidArgumentError(`Unknown key "${unknown}". Known: ${BODY_KEYS.join(", ")}.`);
  const action = fields.action as BulkAction;
  if (!BULK_ACTIONS.includes(action)) throw new InvalidArgumentError(`action must be one of ${BULK_ACTIONS.join(", ")}, got ${JSON.stringify(fields.action)}.`);
  const filter = filterOfBody(fields.filter);
  if (Object.keys(filter).length === 0 || filter.instanceIdPrefix === "") {
    throw new InvalidArgumentError("A bulk action needs a filter (e.g. { \"runtimeStatus\": [\"Failed\"] }): refusing to act on every instance.");
  }
  if (fields.reason !== undefined && typeof fields.reason !== "string") throw new InvalidArgumentError("reason must be a string.");
  if (fields.dryRun !== undefined && typeof fields.dryRun !== "boolean") throw new InvalidArgumentError("dryRun must be true or false.");
  if (action === "raiseEvent" && typeof fields.eventName !== "string") throw new InvalidArgumentError("raiseEvent needs eventName (and eventData, optional).");
  if (action !== "raiseEvent" && (fields.eventName !== undefined || fields.eventData !== undefined)) {
    throw new InvalidArgumentError("eventName and eventData go with the raiseEvent action only.");
  }
  const request: BulkRequest = {
    action,
    filter,
    ...(fields.reason === undefined ? {} : { reason: fields.reason as string }),
    ...(fields.eventName === undefined ? {} : { eventName: fields.eventName as string }),
    ...(fields.eventData === undefined ? {} : { eventData: fields.eventData }),
  };
  return { request, dryRun: fields.dryRun === true };
}
