/**
 * Process records in a loop: go through a large data set one page per generation. Each
 * generation fetches a page after its cursor, processes the page's records in parallel (at
 * most 5 at once), then calls `ctx.continueAsNew` with the next cursor and the running
 * counts. The history never holds more than one page's calls, however large the data set;
 * after a restart, only the current page is replayed.
 */
import { setTimeout as delay } from "node:timers/promises";
import { activity, orchestration } from "../../src/index.js";

export interface DataRecord {
  /** Sortable: "rec-001" ... "rec-250". The cursor is the id of the last record of a page. */
  id: string;
  value: number;
}

/** Stands in for the source table: 250 records with values that are easy to add up. */
export const RECORDS: readonly DataRecord[] = Array.from({ length: 250 }, (_, i) => ({
  id: `rec-${String(i + 1).padStart(3, "0")}`,
  value: (i * 37) % 101,
}));

/**
 * Stands in for the destination: the value stored per record, by instance. Writing by record
 * id makes a re-run harmless (the same value again).
 */
export const results = new Map<string, Map<string, number>>();
/** Every run of ProcessRecord, re-runs included: the tests count them per record. */
export const runs: { instanceId: string; recordId: string; idempotencyKey: string }[] = [];
/** How long one record "takes"; main.ts and the tests may slow it down. */
export const settings = { processDelayMs: 0 };

export interface PageRequest {
  /** Id of the last record already fetched; null for the first page. */
  cursor: string | null;
  pageSize: number;
}

export interface Page {
  records: DataRecord[];
  /** The cursor of the following page, or null when this page is the last. */
  next: string | null;
}

/** Reads up to pageSize records after the cursor, as a keyset-paginated query would. */
export const fetchPage = activity("FetchPage", async ({ cursor, pageSize }: PageRequest): Promise<Page> => {
  const start = cursor === null ? 0 : RECORDS.findIndex((r) => r.id > cursor);
  const records = start < 0 ? [] : RECORDS.slice(start, start + pageSize);
  const more = start >= 0 && start + pageSize < RECORDS.length;
  return { records, next: more ? records.at(-1)!.id : null };
});

/** "Processes" one record: stores its value under its id and returns it. */
export const processRecord = activity("ProcessRecord", async (record: DataRecord, actx) => {
  runs.push({ instanceId: actx.instanceId, recordId: record.id, idempotencyKey: actx.idempotencyKey });
  if (settings.processDelayMs > 0) await delay(settings.processDelayMs);
  let stored = results.get(actx.instanceId);
  if (!stored) results.set(actx.instanceId, (stored = new Map()));
  stored.set(record.id, record.value);
  return record.value;
});

export interface ProcessInput extends PageRequest {
  /** Records processed by the generations before this one. */
  processed: number;
  // Also carried along; leave them out to start.
  total?: number;
  pages?: number;
}

export interface ProcessOutput {
  processed: number;
  /** The sum of the values of every record processed. */
  total: number;
  /** Pages fetched: one per generation. */
  pages: number;
}

/** One page per generation; returns the counts when there is no page after this one. */
export const processRecords = orchestration(
  "ProcessRecords",
  async (ctx, input: ProcessInput): Promise<ProcessOutput | undefined> => {
    const { cursor, pageSize } = input;
    const page = await ctx.callActivity(fetchPage, { cursor, pageSize });
    const values = await ctx.map(page.records, (record) => ctx.callActivity(processRecord, record), { concurrency: 5 });

    const processed = input.processed + page.records.length;
    const total = (input.total ?? 0) + values.reduce((sum, value) => sum + value, 0);
    const pages = (input.pages ?? 0) + 1;
    ctx.setCustomStatus({ processed, pages, cursor: page.next });
    if (page.next === null) return { processed, total, pages };

    // The next page starts a new generation; this one's history goes.
    ctx.continueAsNew({ cursor: page.next, pageSize, processed, total, pages } satisfies ProcessInput);
    return undefined;
  },
);

export const functions = [fetchPage, processRecord, processRecords];
