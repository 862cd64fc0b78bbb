/**
 * Runs the backup example:  npx tsx examples/fan-out-fan-in/main.ts [source] [destination]
 * By default it backs up the examples folder into a new temp directory.
 * The store is ./baton.db, or the URL in BATON_STORE.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createBaton } from "../../src/index.js";
import { backupSiteContent, functions } from "./functions.js";

const source = resolve(process.argv[2] ?? join(import.meta.dirname, ".."));
const destination = resolve(process.argv[3] ?? mkdtempSync(join(tmpdir(), "baton-backup-")));

const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start();
try {
  const id = await baton.client.startNew(backupSiteContent, {
    instanceId: `backup-${Date.now().toString(36)}`,
    input: { source, destination },
  });
  console.log(`started BackupSiteContent as ${id}: ${source} -> ${destination}`);

  const status = await baton.client.waitForCompletion(id, { timeout: "60s" });
  console.log(`BackupSiteContent ${status.runtimeStatus}: ${status.output} bytes copied`);
} finally {
  await baton.stop();
}
