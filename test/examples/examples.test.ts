/** Each seed example, run on a real SQLite file, with its result asserted. */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton, type FunctionDefinition } from "../../src/index.js";
import * as chaining from "../../examples/function-chaining/functions.js";
import * as backup from "../../examples/fan-out-fan-in/functions.js";
import * as approval from "../../examples/human-approval/functions.js";
import { tempDir, tempStoreUrl } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

async function startBaton(functions: readonly FunctionDefinition[], options: { maxConcurrentActivities?: number } = {}) {
  const baton = await createBaton({ store: tempStoreUrl(), functions, logger: quiet, ...options });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("function chaining", () => {
  it("greets the three cities in order", async () => {
    const { client } = await startBaton(chaining.functions);
    const id = await client.startNew(chaining.helloCities);
    const done = await client.waitForCompletion(id, { timeout: "20s" });
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskScheduled").map((e) => e.input)).toEqual(["Tokyo", "Seattle", "London"]);
  });
});

describe("fan-out/fan-in backup", () => {
  it("copies every file of a real directory tree and returns the total bytes", async () => {
    const source = tempDir();
    const destination = tempDir();
    const files: Record<string, string> = {
      "index.html": "<h1>home</h1>",
      "about.html": "about us ".repeat(100),
      "assets/logo.svg": "<svg/>".repeat(500),
      "assets/css/site.css": "body { margin: 0 }",
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(source, path, ".."), { recursive: true });
      writeFileSync(join(source, path), content);
    }
    const { client } = await startBaton(backup.functions);
    const id = await client.startNew(backup.backupSiteContent, { input: { source, destination } });
    const done = await client.waitForCompletion(id, { timeout: "20s" });
    const expectedBytes = Object.values(files).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
    expect(done.output).toBe(expectedBytes);
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(destination, path), "utf8")).toBe(content);
    }
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskScheduled" && e.name === "CopyFileToBackup")).toHaveLength(4);
  });
});

describe("image processing with at most 10 in flight", () => {
  it("never runs more than 10 at once, really runs 10 in parallel, and notifies once", async () => {
    // The example's pattern, with activities that record how many run at once.
    let inFlight = 0;
    let maxInFlight = 0;
    const notified: number[] = [];
    const processImage = activity("ProcessImage", async (file: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight--;
      return { file, bytes: file.length };
    });
    const notifyCompletion = activity("NotifyCompletion", async (count: number) => {
      notified.push(count);
    });
    const imageProcessing = orchestration("ImageProcessing", async (ctx, files: string[]) => {
      const results = await ctx.map(files, (f) => ctx.callActivity(processImage, f), { concurrency: 10 });
      await ctx.callActivity(notifyCompletion, results.length);
      return results.reduce((sum, r) => sum + r.bytes, 0);
    });
    const files = Array.from({ length: 40 }, (_, i) => `img-${i}.png`);
    const { client } = await startBaton([processImage, notifyCompletion, imageProcessing], { maxConcurrentActivities: 50 });
    const id = await client.startNew(imageProcessing, { input: files });
    const done = await client.waitForCompletion(id, { timeout: "30s" });
    expect(done.output).toBe(files.reduce((sum, f) => sum + f.length, 0));
    expect(maxInFlight).toBe(10);
    expect(notified).toEqual([40]);
  });

  it("runs the example's own definitions to the right sum", async () => {
    const images = await import("../../examples/image-processing/functions.js");
    const files = ["a.png", "bb.png", "ccc.png"];
    const { client } = await startBaton(images.functions);
    const id = await client.startNew(images.imageProcessing, { input: files });
    const done = await client.waitForCompletion(id, { timeout: "20s" });
    expect(done.output).toBe(files.reduce((sum, f) => sum + 1000 + f.length, 0));
  });
});

describe("human approval", () => {
  const escalations = () => {
    let count = 0;
    const escalate = activity("Escalate", async () => {
      count++;
    });
    return { escalate, count: () => count };
  };

  it("is approved when the event arrives while it waits", async () => {
    const { client } = await startBaton(approval.functions);
    const id = await client.startNew(approval.approvalWorkflow, { input: { requester: "ana", amount: 1, timeout: "1m" } });
    await waitUntil(async () => {
      const status = await client.getStatus(id, { showHistory: true });
      return status?.history?.some((e) => e.type === "TimerCreated") ? true : undefined;
    }, "the workflow to wait for the answer");
    await client.raiseEvent(id, "Approval", { approved: true });
    expect((await client.waitForCompletion(id, { timeout: "20s" })).output).toBe("approved");
  });

  it("is rejected when the answer says so", async () => {
    const { client } = await startBaton(approval.functions);
    const id = await client.startNew(approval.approvalWorkflow, { input: { requester: "ana", amount: 1, timeout: "1m" } });
    await client.raiseEvent(id, "Approval", { approved: false });
    expect((await client.waitForCompletion(id, { timeout: "20s" })).output).toBe("rejected");
  });

  it("escalates once when no answer comes before the timeout", async () => {
    const counter = escalations();
    const { client } = await startBaton([approval.requestApproval, counter.escalate, approval.approvalWorkflow]);
    const id = await client.startNew(approval.approvalWorkflow, { input: { requester: "ben", amount: 2, timeout: "200ms" } });
    expect((await client.waitForCompletion(id, { timeout: "20s" })).output).toBe("escalated");
    expect(counter.count()).toBe(1);
  });

  it("keeps an answer raised before the workflow reaches its wait", async () => {
    const counter = escalations();
    const { client } = await startBaton([approval.requestApproval, counter.escalate, approval.approvalWorkflow]);
    const id = await client.startNew(approval.approvalWorkflow, { input: { requester: "cy", amount: 3, timeout: "2s" } });
    await client.raiseEvent(id, "Approval", { approved: true });
    expect((await client.waitForCompletion(id, { timeout: "20s" })).output).toBe("approved");
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    const raised = history.findIndex((e) => e.type === "EventRaised");
    const asked = history.findIndex((e) => e.type === "TaskCompleted");
    expect(raised).toBeGreaterThanOrEqual(0);
    expect(raised).toBeLessThan(asked); // it really arrived before the wait
    expect(counter.count()).toBe(0);
  });
});

describe("the demo", () => {
  it("runs every pattern and exits 0", async () => {
    const store = tempStoreUrl();
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/demo.ts"], {
      env: { ...process.env, BATON_STORE: store },
      timeout: 60_000,
    });
    expect(stdout).toContain('["Hello Tokyo!","Hello Seattle!","Hello London!"]');
    expect(stdout).toMatch(/result: \d+ bytes copied/);
    expect(stdout).toContain("30351 bytes from 30 images");
    expect(stdout).toContain("answered in time: approved");
    expect(stdout).toContain("no answer:        escalated");
  });
});
