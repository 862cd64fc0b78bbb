/**
 * The demo: the four seed patterns on one embedded SQLite store (./baton.db, or BATON_STORE),
 * one worker in this process, printing what happens.
 *   npm run demo
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createBaton } from "../src/index.js";
import * as chaining from "./function-chaining/functions.js";
import * as backup from "./fan-out-fan-in/functions.js";
import * as images from "./image-processing/functions.js";
import * as approval from "./human-approval/functions.js";

const store = process.env.BATON_STORE ?? "sqlite:./baton.db";
const baton = await createBaton({
  store,
  functions: [...chaining.functions, ...backup.functions, ...images.functions, ...approval.functions],
  logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
});
await baton.start();
const { client } = baton;
console.log(`Baton demo on ${store}\n`);

console.log("1. Function chaining");
const hello = await client.startNew(chaining.helloCities);
console.log(`   result: ${JSON.stringify((await client.waitForCompletion(hello, { timeout: "30s" })).output)}\n`);

console.log("2. Fan-out/fan-in: back up the examples folder");
const destination = mkdtempSync(join(tmpdir(), "baton-demo-backup-"));
const copy = await client.startNew(backup.backupSiteContent, { input: { source: resolve("examples"), destination } });
console.log(`   result: ${(await client.waitForCompletion(copy, { timeout: "60s" })).output} bytes copied to a temporary folder\n`);
rmSync(destination, { recursive: true, force: true });

console.log("3. Image processing, at most 10 in flight");
const files = Array.from({ length: 30 }, (_, i) => `image-${i + 1}.png`);
const processing = await client.startNew(images.imageProcessing, { input: files });
console.log(`   result: ${(await client.waitForCompletion(processing, { timeout: "60s" })).output} bytes from ${files.length} images\n`);

console.log("4. Human approval with a timeout");
const answered = await client.startNew(approval.approvalWorkflow, { input: { requester: "ana", amount: 120, timeout: "1m" } });
await client.raiseEvent(answered, "Approval", { approved: true });
console.log(`   answered in time: ${(await client.waitForCompletion(answered, { timeout: "30s" })).output}`);
const ignored = await client.startNew(approval.approvalWorkflow, { input: { requester: "ben", amount: 9000, timeout: "300ms" } });
console.log(`   no answer:        ${(await client.waitForCompletion(ignored, { timeout: "30s" })).output}\n`);

const { instances } = await client.list({ pageSize: 1000 });
console.log(`${instances.length} instance(s) in ${store}; inspect one with client.getStatus(id, { showHistory: true }).`);
await baton.stop();
