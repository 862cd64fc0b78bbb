/**
 * The dashboard's operations in a real chromium: the replay check finding where changed code
 * diverges from a recorded history, a bulk action counted first then followed to its end,
 * starting an orchestration, logging in when the server needs a token, and an instance that
 * changes on screen keeping the timeline as the user left it.
 */
import { expect, it } from "vitest";
import { activity, orchestration } from "../../src/index.js";
import { waitForHistoryEvent, waitForStatus } from "../helpers/wait.js";
import { describeBrowser, expectClean, hello, openDashboard, serveDashboard, useBrowser, waiter } from "./browser-kit.js";

const reserve = activity("Reserve", async (_: null) => "reserved");
const charge = activity("Charge", async (_: null) => "charged");
/** As deployed: reserves, then waits for "Go". */
const flowBefore = orchestration("Flow", async (ctx) => {
  await ctx.callActivity(reserve, null);
  return ctx.waitForExternalEvent("Go");
});
/** As changed: charges first: the recorded history no longer replays. */
const flowAfter = orchestration("Flow", async (ctx) => {
  await ctx.callActivity(charge, null);
  return ctx.waitForExternalEvent("Go");
});

describeBrowser("operations from the dashboard", () => {
  const chrome = useBrowser();

  it("runs the replay check: OK against the code that ran, the first divergence against changed code", async () => {
    const before = await serveDashboard({ functions: [reserve, flowBefore] });
    await before.baton.client.startNew(flowBefore, { instanceId: "flow-1" });
    await waitForHistoryEvent(before.baton.client, "flow-1", "TaskCompleted");
    let opened = await openDashboard(chrome.browser, before, "/instance/flow-1");
    await opened.page.getByRole("button", { name: "Check replay against the loaded code" }).click();
    await opened.page.getByText(/^Replay OK/).waitFor();
    expectClean(opened);
    await before.close();

    const after = await serveDashboard({ functions: [charge, flowAfter], store: before.store, start: false });
    opened = await openDashboard(chrome.browser, after, "/instance/flow-1");
    await opened.page.getByRole("button", { name: "Check replay against the loaded code" }).click();
    const divergence = opened.page.locator("[data-divergence-index]");
    await divergence.waitFor();
    expect(await divergence.textContent()).toMatch(/^Diverges at event \d+ \(TaskScheduled Reserve\)/);
    expectClean(opened);

    // Before a deploy: the same check over every running instance, from the Bulk page.
    opened = await openDashboard(chrome.browser, after, "/bulk?status=Running");
    const region = opened.page.getByRole("region", { name: "Replay check of the matching instances" });
    await region.getByRole("button", { name: "Check replay of the matching instances" }).click();
    await region.getByText(/^1 checked: 1 diverge\./).waitFor();
    expect(await region.locator('li[data-instance-id="flow-1"]').textContent()).toMatch(/flow-1 \(Flow\), event \d+: /);
    expectClean(opened);
  });

  it("counts the instances a filter matches, confirms with that count, and shows the job's progress to the end", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    for (const id of ["batch-1", "batch-2", "batch-3", "other-1"]) await client.startNew(waiter, { instanceId: id });
    for (const id of ["batch-1", "batch-2", "batch-3", "other-1"]) await waitForStatus(client, id, "Running");
    const opened = await openDashboard(chrome.browser, served, "/bulk?prefix=batch-");
    const { page } = opened;
    await page.getByLabel("Action", { exact: true }).selectOption("terminate");
    await page.getByRole("button", { name: "Count the matching instances…" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain("Terminate 3 instances: ends each now as Terminated");
    await dialog.getByRole("button", { name: "Terminate 3" }).click();
    await page.getByText(/3 done, 0 failed of 3 — finished\./).waitFor();
    for (const id of ["batch-1", "batch-2", "batch-3"]) expect((await client.getStatus(id))?.runtimeStatus).toBe("Terminated");
    expect((await client.getStatus("other-1"))?.runtimeStatus).toBe("Running");
    expectClean(opened);
  });

  it("starts an orchestration by name with a JSON input and opens it", async () => {
    const served = await serveDashboard();
    const opened = await openDashboard(chrome.browser, served, "/start");
    const { page } = opened;
    await page.getByRole("combobox", { name: "Orchestration" }).fill("Hello");
    await page.getByLabel("Instance id (optional; a new one is made)").fill("started-1");
    await page.getByLabel("Input (JSON)").fill('"Cy"');
    await page.getByRole("button", { name: "Start" }).click();
    await page.locator("#instance-title", { hasText: "started-1" }).waitFor();
    expect((await waitForStatus(served.baton.client, "started-1", "Completed")).output).toBe("Hello, Cy!");
    await page.locator("#instance-title .status-Completed").waitFor();
    expectClean(opened);
  });
});

describeBrowser("who may do what", () => {
  const chrome = useBrowser();

  it("read-only: shows the instance but offers no action, and says so", async () => {
    const served = await serveDashboard({ http: { readOnly: true } });
    await served.baton.client.startNew(waiter, { instanceId: "ro-1" });
    await waitForStatus(served.baton.client, "ro-1", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/ro-1");
    const { page } = opened;
    await page.locator("#instance-title .status-Running").waitFor();
    await page.locator(".top .info", { hasText: "read-only" }).waitFor();
    expect(await page.getByRole("toolbar", { name: "Actions" }).count()).toBe(0);
    // The replay check changes nothing: it stays.
    await page.getByRole("button", { name: "Check replay against the loaded code" }).waitFor();
    await page.goto(`${served.dashboardUrl}#/start`);
    await page.getByText("This dashboard is read-only: starting instances is turned off.").waitFor();
    expectClean(opened);
  });

  it("with a token: the login form, then the pages (the session cookie survives a reload), then log out", async () => {
    const served = await serveDashboard({ http: { token: "t0ken-for-the-browser" } });
    await served.baton.client.startNew(waiter, { instanceId: "tok-1" });
    const opened = await openDashboard(chrome.browser, served);
    const { page } = opened;
    await page.getByLabel("API token").fill("wrong");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("API token").fill("t0ken-for-the-browser");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator('tr[data-instance-id="tok-1"]').waitFor();

    await page.reload();
    await page.locator('tr[data-instance-id="tok-1"]').waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API token").waitFor();
    // What the page reported: only the 401s that led to the login form.
    expect(opened.problems.filter((problem) => !problem.includes("401"))).toEqual([]);
  });
});

describeBrowser("the Workers page", () => {
  const chrome = useBrowser();

  it("lists the live worker with the functions it hosts, its heartbeat and slots, and each activity's failure rate", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    await waitForStatus(client, await client.startNew(hello, { input: "Ada" }), "Completed");
    const opened = await openDashboard(chrome.browser, served, "/workers");
    const { page } = opened;
    const row = page.locator("table.workers tbody tr");
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.textContent();
    expect(text).toContain("Hello");
    expect(text).toContain("Waiter");
    expect(text).toContain("Greet");
    expect(text).toMatch(/lease \d/);
    await page.getByText(/\d+\/100 episodes, \d+\/100 attempts/).waitFor(); // the serving process's worker, from /api/metrics
    await page.locator('table.attempts tr[data-activity="Greet"]', { hasText: "0.0 %" }).waitFor();
    expectClean(opened);
  });
});

describeBrowser("an instance that changes while it is on screen", () => {
  const chrome = useBrowser();
  const step = activity("Step", async (n: number) => n + 1);
  const stepper = orchestration("Stepper", async (ctx) => {
    let n = 0;
    for (let i = 0; i < 3; i++) {
      await ctx.waitForExternalEvent("Next");
      n = await ctx.callActivity(step, n);
    }
    return n;
  });

  it("keeps the timeline's zoom and the open detail when the page reloads for a change", async () => {
    const served = await serveDashboard({ functions: [step, stepper] });
    const { client } = served.baton;
    await client.startNew(stepper, { instanceId: "stepper-1" });
    await client.raiseEvent("stepper-1", "Next", null);
    await waitForHistoryEvent(client, "stepper-1", "TaskCompleted");
    const opened = await openDashboard(chrome.browser, served, "/instance/stepper-1");
    const { page } = opened;
    await page.locator(".tl-row").nth(1).waitFor();
    await page.locator(".tl-row").nth(1).focus();
    await page.keyboard.press("+");
    await page.keyboard.press("+");
    await page.keyboard.press("Enter");
    await page.locator(".tl-detail").waitFor();
    const ticks = () => page.locator(".tl-tick-label").allTextContents();
    const zoomed = await ticks();
    const events = async () => Number(/\((\d+) events\)/.exec((await page.locator(".history h2").textContent()) ?? "")?.[1]);
    const before = await events();

    await client.raiseEvent("stepper-1", "Next", null);
    await expect.poll(events, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(await ticks()).toEqual(zoomed);
    expect(await page.locator(".tl-detail").count()).toBe(1);
    expectClean(opened);
  });
});
