import { readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupSiteContent, functions } from "../../examples/fan-out-fan-in/functions.js";
import { tempDir } from "../helpers/temp-store.js";
import { historyOf, startBaton } from "./kit.js";

/** Relative paths and contents of a small site, with nested directories and binary data. */
function siteFiles(): Record<string, Buffer> {
  const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * seed) % 256));
  return {
    "index.html": Buffer.from("<h1>Welcome</h1>\n"),
    "about.html": Buffer.from("About us. ".repeat(300)),
    "empty.txt": Buffer.alloc(0),
    "assets/logo.png": bytes(4096, 7),
    "assets/css/site.css": Buffer.from("body { margin: 0 }\n"),
    "assets/img/deep/photo.jpg": bytes(20_000, 13),
  };
}

function listFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(root.length + 1))
    .sort();
}

describe("example: fan-out/fan-in backup", () => {
  it("copies every file of a real tree, in parallel, and returns the total bytes", async () => {
    const source = tempDir("baton-site-");
    const destination = join(tempDir("baton-backup-"), "copy");
    const files = siteFiles();
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(source, path)), { recursive: true });
      writeFileSync(join(source, path), content);
    }

    const baton = await startBaton(functions);
    const id = await baton.client.startNew(backupSiteContent, { input: { source, destination } });
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    expect(done.runtimeStatus).toBe("Completed");
    const totalBytes = Object.values(files).reduce((sum, content) => sum + content.length, 0);
    expect(done.output).toBe(totalBytes);
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(destination, path)).equals(content), path).toBe(true);
    }
    expect(listFiles(destination)).toEqual(Object.keys(files).sort());

    // One GetFileList, then all copies scheduled together (fan-out) before any completed.
    const history = await historyOf(baton, id);
    const scheduled = history.filter((e) => e.type === "TaskScheduled");
    expect(scheduled.map((e) => e.name)).toEqual(["GetFileList", ...Object.keys(files).map(() => "CopyFileToBackup")]);
    const firstCopy = history.findIndex((e) => e.type === "TaskScheduled" && e.name === "CopyFileToBackup");
    const copyEvents = history.slice(firstCopy, firstCopy + Object.keys(files).length);
    expect(copyEvents.every((e) => e.type === "TaskScheduled")).toBe(true);
  });
});
