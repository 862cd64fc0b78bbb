/**
 * The tour: the four seed patterns on one store (./baton.db, or the URL in BATON_STORE),
 * with one worker in this process, printing what happens.  npm run tour
 *
 * Every run uses new instance ids, so it can run again and again on the same store.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBaton, type Logger } from "../src/index.js";
import * as chaining from "./function-chaining/functions.js";
import * as backup from "./fan-out-fan-in/functions.js";
import * as images from "./image-processing/functions.js";
import * as approval from "./human-approval/functions.js";

const store = process.env.BATON_STORE ?? "sqlite:./baton.db";
// Only problems from the worker; the demo prints its own story.
const logger: Logger = { debug() {}, info() {}, warn: console.warn, error: console.error };
const baton = await createBaton({
  store,
  functions: [...chaining.functions, ...backup.functions, ...images.functions, ...approval.functions],
  logger,
});
const { client } = baton;
const run = Date.now().toString(36);
const scratch = mkdtempSync(join(tmpdir(), "baton-demo-"));
await baton.start();
console.log(`Baton demo on ${store} (run ${run})`);

try {
  console.log("\n1. Function chaining: HelloCities calls SayHello three times, in sequence");
  const hello = await client.startNew(chaining.helloCities, { instanceId: `demo-${run}-hello` });
  const greetings = await client.waitForCompletion(hello, { timeout: "30s" });
  console.log(`   ${hello} ${greetings.runtimeStatus}: ${JSON.stringify(greetings.output)}`);

  console.log("\n2. Fan-out/fan-in: BackupSiteContent copies the examples folder, one activity per file");
  const source = import.meta.dirname;
  const destination = join(scratch, "backup");
  const copy = await client.startNew(backup.backupSiteContent, { instanceId: `demo-${run}-backup`, input: { source, destination } });
  const copied = await client.waitForCompletion(copy, { timeout: "60s" });
  console.log(`   ${copy} ${copied.runtimeStatus}: ${copied.output} bytes copied`);

  console.log("\n3. Bounded fan-out: ImageProcessing handles 30 images, at most 10 at once");
  const files = Array.from({ length: 30 }, (_, i) => {
    const file = join(scratch, `photo-${i + 1}.png`);
    writeFileSync(file, Buffer.alloc(1000 + 100 * i));
    return file;
  });
  const processing = await client.startNew(images.imageProcessing, { instanceId: `demo-${run}-images`, input: files });
  const processed = await client.waitForCompletion(processing, { timeout: "60s" });
  console.log(`   ${processing} ${processed.runtimeStatus}: ${processed.output} bytes in ${files.length} images`);
  console.log(`   at most ${images.observed.maxInFlight} in flight; NotifyCompletion sent ${JSON.stringify(images.observed.notifications)}`);

  console.log("\n4. Human interaction: ApprovalWorkflow waits for an \"Approval\" event, or escalates");
  const request = { subject: "Purchase order #42", approver: "ana", timeoutMs: 60_000 };
  const yes = await client.startNew(approval.approvalWorkflow, { instanceId: `demo-${run}-approve`, input: request });
  // Raised at once: if the workflow has not reached its wait yet, the event is buffered.
  await client.raiseEvent(yes, "Approval", { approved: true });
  console.log(`   ${yes} answered { approved: true }: ${(await client.waitForCompletion(yes, { timeout: "30s" })).output}`);
  const no = await client.startNew(approval.approvalWorkflow, { instanceId: `demo-${run}-reject`, input: request });
  await client.raiseEvent(no, "Approval", { approved: false });
  console.log(`   ${no} answered { approved: false }: ${(await client.waitForCompletion(no, { timeout: "30s" })).output}`);
  const silent = await client.startNew(approval.approvalWorkflow, {
    instanceId: `demo-${run}-silent`,
    input: { ...request, timeoutMs: 300 },
  });
  console.log(`   ${silent} got no answer within 300 ms: ${(await client.waitForCompletion(silent, { timeout: "30s" })).output}`);

  const { instances } = await client.list({ instanceIdPrefix: `demo-${run}-` });
  console.log(`\n${instances.length} instances of this run are in the store; see one with client.getStatus(id, { showHistory: true }).`);
} finally {
  await baton.stop();
  rmSync(scratch, { recursive: true, force: true });
}
