/**
 * Runs the process-records example:  npx tsx examples/process-records/main.ts [pageSize]
 * Processes the 250 records 20 at a time (by default), one page per generation.
 * The store is a new temporary SQLite file, or the URL in BATON_STORE.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBaton } from "../../src/index.js";
import { RECORDS, functions, processRecords, results, runs } from "./functions.js";

const pageSize = Number(process.argv[2] ?? 20);
if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a whole number of at least 1, not ${process.argv[2]}`);
const scratch = process.env.BATON_STORE ? undefined : mkdtempSync(join(tmpdir(), "baton-records-"));
const store = process.env.BATON_STORE ?? `sqlite:${join(scratch!, "baton.db")}`;

const baton = await createBaton({ store, functions });
await baton.start();
try {
  const id = await baton.client.startNew(processRecords, {
    instanceId: `records-${Date.now().toString(36)}`,
    input: { cursor: null, pageSize, processed: 0 },
  });
  console.log(`started ProcessRecords as ${id}: ${RECORDS.length} records, ${pageSize} per page`);

  const done = await baton.client.waitForCompletion(id, { timeout: "60s" });
  console.log(`ProcessRecords ${done.runtimeStatus}: ${JSON.stringify(done.output)}`);
  const expected = RECORDS.reduce((sum, record) => sum + record.value, 0);
  console.log(`expected total ${expected}; ${results.get(id)?.size ?? 0} records stored; ProcessRecord ran ${runs.length} times`);

  // Only the last generation's history is kept: one page's calls, not all of them.
  const history = (await baton.client.getStatus(id, { showHistory: true }))?.history ?? [];
  const calls = history.filter((e) => e.type === "TaskScheduled").length;
  console.log(`history of the last generation: ${history.length} events, ${calls} activity calls`);
} finally {
  await baton.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
