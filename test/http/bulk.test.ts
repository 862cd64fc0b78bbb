/** POST /api/bulk: a dry run counts, a job acts on every matching instance and reports its progress to the end. */
import { describe, expect, it } from "vitest";
import { expectError, json, serve, waitForHttpStatus, type Served } from "./http-kit.js";

async function finishedJob(served: Served, jobId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = (await (await served.api(`/api/bulk/${jobId}`)).json()) as Record<string, unknown>;
    if (job.finished) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("POST /api/bulk", () => {
  it("counts in a dry run, then terminates every match and reports each failure", async () => {
    const served = await serve();
    for (let i = 0; i < 4; i++) await served.api(`/api/orchestrators/Waiter/bulk-${i}`, { method: "POST" });
    await served.api("/api/orchestrators/Hello/bulk-done", json("Tokyo"));
    await served.api("/api/orchestrators/Waiter/other-1", { method: "POST" });
    await waitForHttpStatus(served, "bulk-done", "Completed");
    for (let i = 0; i < 4; i++) await waitForHttpStatus(served, `bulk-${i}`, "Running");

    const request = { action: "terminate", filter: { instanceIdPrefix: "bulk-" }, reason: "cleanup" };
    expect(await (await served.api("/api/bulk", json({ ...request, dryRun: true }))).json()).toEqual({ count: 5 });
    expect((await (await served.api("/api/instances/bulk-0")).json()) as object).toMatchObject({ runtimeStatus: "Running" }); // a dry run changes nothing

    const started = await served.api("/api/bulk", json(request));
    expect(started.status).toBe(202);
    const { jobId, total } = (await started.json()) as { jobId: string; total: number };
    expect(total).toBe(5);
    const job = await finishedJob(served, jobId);
    expect(job).toEqual({
      jobId,
      action: "terminate",
      total: 5,
      done: 4,
      failed: 1,
      errors: [{ instanceId: "bulk-done", code: "INSTANCE_NOT_RUNNING", message: expect.any(String) }],
      finished: true,
    });
    for (let i = 0; i < 4; i++) expect(await waitForHttpStatus(served, `bulk-${i}`, "Terminated")).toMatchObject({ output: "cleanup" });
    expect((await (await served.api("/api/instances/other-1")).json()) as object).toMatchObject({ runtimeStatus: "Running" });
  });

  it("raises an event on every match, and purges by status", async () => {
    const served = await serve();
    for (let i = 0; i < 3; i++) await served.api(`/api/orchestrators/Waiter/ev-${i}`, { method: "POST" });
    for (let i = 0; i < 3; i++) await waitForHttpStatus(served, `ev-${i}`, "Running");
    const raise = (await (await served.api("/api/bulk", json({ action: "raiseEvent", filter: { name: "Waiter", runtimeStatus: ["Running"] }, eventName: "Go", eventData: { ok: 1 } }))).json()) as { jobId: string };
    expect(await finishedJob(served, raise.jobId)).toMatchObject({ total: 3, done: 3, failed: 0 });
    for (let i = 0; i < 3; i++) expect(await waitForHttpStatus(served, `ev-${i}`, "Completed")).toMatchObject({ output: { ok: 1 } });
    const purge = (await (await served.api("/api/bulk", json({ action: "purge", filter: { runtimeStatus: "Completed" } }))).json()) as { jobId: string };
    expect(await finishedJob(served, purge.jobId)).toMatchObject({ total: 3, done: 3 });
    expect(await (await served.api("/api/instances")).json()).toMatchObject({ instances: [] });
  });

  it("refuses an empty filter, an unknown action or key, and answers 404 for a job it does not know", async () => {
    const served = await serve({ start: false });
    await expectError(await served.api("/api/bulk", json({ action: "purge", filter: {} })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "purge" })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "purge", filter: { instanceIdPrefix: "" } })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "explode", filter: { name: "Hello" } })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "purge", filter: { nmae: "Hello" } })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "raiseEvent", filter: { name: "Hello" } })), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/bulk", json({ action: "terminate", filter: { runtimeStatus: ["Runing"] } })), 400, "INVALID_ARGUMENT");
    const missing = await expectError(await served.api("/api/bulk/no-such-job"), 404, "BULK_JOB_NOT_FOUND");
    expect(missing.message).toContain("restart");
  });
});
