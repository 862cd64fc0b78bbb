/**
 * Runs the image-processing example:  npx tsx examples/image-processing/main.ts
 * It writes 30 stand-in "images" of known sizes to a temp directory and processes them.
 * The store is ./baton.db, or the URL in BATON_STORE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBaton } from "../../src/index.js";
import { functions, imageProcessing, observed } from "./functions.js";

const dir = mkdtempSync(join(tmpdir(), "baton-images-"));
const files = Array.from({ length: 30 }, (_, i) => {
  const file = join(dir, `photo-${i + 1}.png`);
  writeFileSync(file, Buffer.alloc(1000 + 100 * i)); // 1000, 1100, ... bytes
  return file;
});

const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start();
try {
  const id = await baton.client.startNew(imageProcessing, { instanceId: `images-${Date.now().toString(36)}`, input: files });
  console.log(`started ImageProcessing as ${id} for ${files.length} images`);

  const status = await baton.client.waitForCompletion(id, { timeout: "60s" });
  console.log(`ImageProcessing ${status.runtimeStatus}: ${status.output} bytes`);
  console.log(`at most ${observed.maxInFlight} images were processed at once`);
} finally {
  await baton.stop();
  rmSync(dir, { recursive: true, force: true });
}
