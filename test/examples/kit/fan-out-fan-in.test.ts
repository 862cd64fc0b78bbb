/**
 * Fan-out/fan-in, tested with batonjs/testing: a real directory backed up, and one copy that
 * fails once and is retried on its own while the other copies are not run again.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import { backupSiteContent, copyFileToBackup, functions } from "../../../examples/fan-out-fan-in/functions.js";

let root: string;
let source: string;
let destination: string;

beforeEach(async () => {
  // The activities touch the file system: give each test a tree of its own.
  root = await mkdtemp(join(tmpdir(), "baton-backup-"));
  source = join(root, "site");
  destination = join(root, "backup");
  await mkdir(join(source, "css"), { recursive: true });
  await writeFile(join(source, "index.html"), "<h1>hi</h1>"); // 11 bytes
  await writeFile(join(source, "css", "site.css"), "h1{}"); // 4 bytes
  await writeFile(join(source, "about.html"), "about"); // 5 bytes
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it("copies every file and adds up the bytes", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    const id = await env.client.startNew(backupSiteContent, { input: { source, destination } });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(20);
    expect(await readFile(join(destination, "css", "site.css"), "utf8")).toBe("h1{}");
    expect(env.activityCalls(copyFileToBackup)).toHaveLength(3); // one per file, in parallel
  } finally {
    await env.close();
  }
});

it("retries only the copy that failed", async () => {
  const env = await createTestEnvironment({ functions, defaultActivityRetry: { maxAttempts: 2 } });
  try {
    env.failActivity(copyFileToBackup, { error: new Error("disk busy") }); // the first copy to start
    const id = await env.client.startNew(backupSiteContent, { input: { source, destination } });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(20);
    const calls = env.activityCalls(copyFileToBackup);
    const failed = calls.filter((call) => call.outcome.status === "failed");
    expect(failed).toHaveLength(1);
    // Four attempts in all: three copies, and a second attempt of the failed one alone.
    expect(calls).toHaveLength(4);
    const retried = calls.filter((call) => call.attempt === 2);
    expect(retried.map((call) => call.input)).toEqual(failed.map((call) => call.input));
  } finally {
    await env.close();
  }
});
