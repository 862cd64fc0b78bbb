/**
 * The dashboard in a real chromium against a served baton: the instance list (filter, counts,
 * live updates), an instance (its timeline, raising an event, terminating, purging), the quick
 * open by keyboard. Each step waits on what the page shows, never on time.
 */
import { expect, it } from "vitest";
import { activity, orchestration } from "../../src/index.js";
import { describeBrowser, expectClean, hello, openDashboard, serveDashboard, useBrowser, waiter } from "./browser-kit.js";
import { waitForStatus } from "../helpers/wait.js";

describeBrowser("the Instances and Instance pages", () => {
  const chrome = useBrowser();

  it("lists instances, filters by status into the URL, opens one and reads its timeline", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    await client.startNew(hello, { instanceId: "hello-1", input: "Ada" });
    await client.startNew(waiter, { instanceId: "wait-1" });
    await waitForStatus(client, "hello-1", "Completed");
    await waitForStatus(client, "wait-1", "Running");

    const opened = await openDashboard(chrome.browser, served);
    const { page } = opened;
    await page.locator('tr[data-instance-id="hello-1"]').waitFor();
    await page.locator('tr[data-instance-id="wait-1"]').waitFor();
    await expect.poll(() => page.locator('.count[data-status="Completed"] strong').textContent()).toBe("1");

    await page.getByRole("checkbox", { name: "Running" }).check();
    await page.locator('tr[data-instance-id="hello-1"]').waitFor({ state: "detached" });
    expect(new URL(page.url()).hash).toBe("#/instances?status=Running");
    expect(await page.locator("tbody tr").count()).toBe(1);

    // The filter survives a reload: it lives in the URL.
    await page.reload();
    await page.locator('tr[data-instance-id="wait-1"]').waitFor();
    expect(await page.getByRole("checkbox", { name: "Running" }).isChecked()).toBe(true);

    await page.getByRole("checkbox", { name: "Running" }).uncheck();
    await page.getByRole("link", { name: "hello-1" }).click();
    await page.locator("#instance-title").waitFor();
    expect(await page.locator("#instance-title").textContent()).toContain("Completed");
    expect(await page.getByLabel("Output").textContent()).toBe('"Hello, Ada!"');
    await page.locator(".baton-timeline .tl-label", { hasText: "Greet" }).waitFor();
    await page.getByRole("tab", { name: "Raw JSON" }).click();
    expect(await page.getByLabel("History as JSON").textContent()).toContain('"TaskCompleted"');
    expectClean(opened);
  });

  it("raises an event through a JSON editor that refuses invalid JSON, and the page follows the instance to Completed", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    await client.startNew(waiter, { instanceId: "wait-2" });
    await waitForStatus(client, "wait-2", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/wait-2");
    const { page } = opened;

    await page.getByRole("button", { name: "Raise event…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Event name").fill("Go");
    await dialog.getByLabel("Data (JSON)").fill('{"ok": tru');
    expect(await dialog.locator("#event-data-check").textContent()).toMatch(/^Not valid JSON/);
    expect(await dialog.getByRole("button", { name: "Raise event" }).isDisabled()).toBe(true);
    await dialog.getByLabel("Data (JSON)").fill('{"ok": true}');
    expect(await dialog.textContent()).toContain('Raise event "Go" on instance wait-2: delivers the event');
    await dialog.getByRole("button", { name: "Raise event" }).click();

    expect((await waitForStatus(client, "wait-2", "Completed")).output).toEqual({ ok: true });
    await page.locator("#instance-title .status-Completed").waitFor();
    await expect.poll(() => page.getByLabel("Output").textContent()).toContain('"ok": true');
    expectClean(opened);
  });

  it("terminates after a confirmation that says what will happen; Cancel does nothing", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    await client.startNew(waiter, { instanceId: "wait-3" });
    await waitForStatus(client, "wait-3", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/wait-3");
    const { page } = opened;

    await page.getByRole("button", { name: "Terminate…" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain("Terminate instance wait-3: ends it now as Terminated");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await client.getStatus("wait-3"))?.runtimeStatus).toBe("Running");

    await page.getByRole("button", { name: "Terminate…" }).click();
    await page.getByRole("dialog").getByLabel(/Reason/).fill("from the dashboard");
    await page.getByRole("dialog").getByRole("button", { name: "Terminate" }).click();
    await waitForStatus(client, "wait-3", "Terminated");
    await page.locator("#instance-title .status-Terminated").waitFor();
    // A terminated instance offers restart and purge, no longer terminate.
    await page.getByRole("button", { name: "Purge…" }).waitFor();
    expect(await page.getByRole("button", { name: "Terminate…" }).count()).toBe(0);
    expectClean(opened);
  });

  it("updates the list by itself: a new instance appears, and its row follows it to Completed", async () => {
    const served = await serveDashboard();
    const { client } = served.baton;
    const opened = await openDashboard(chrome.browser, served);
    const { page } = opened;
    await page.getByText("● Live").waitFor();

    await client.startNew(waiter, { instanceId: "live-1" });
    const row = page.locator('tr[data-instance-id="live-1"]');
    await row.waitFor();
    await client.raiseEvent("live-1", "Go", 1);
    await row.locator(".status-Completed").waitFor();
    await expect.poll(() => page.locator('.count[data-status="Completed"] strong').textContent()).toBe("1");
    expectClean(opened);
  });

  it("opens an instance by id from the keyboard: / then the id then Enter", async () => {
    const served = await serveDashboard();
    await served.baton.client.startNew(hello, { instanceId: "kb-1", input: "Bo" });
    await waitForStatus(served.baton.client, "kb-1", "Completed");
    const opened = await openDashboard(chrome.browser, served, "/start");
    const { page } = opened;
    await page.keyboard.press("/");
    await page.keyboard.type("kb-1");
    await page.keyboard.press("Enter");
    await page.locator("#instance-title", { hasText: "kb-1" }).waitFor();
    expect(new URL(page.url()).hash).toBe("#/instance/kb-1");
    expectClean(opened);
  });
});

describeBrowser("why an instance waits", () => {
  const chrome = useBrowser();

  it("says so when no live worker hosts an activity it called, and the page follows it once one does", async () => {
    const lonely = orchestration("Lonely", async (ctx, n: number) => ctx.callActivity<number>("Remote", n));
    const served = await serveDashboard({ functions: [lonely] });
    await served.baton.client.startNew(lonely, { instanceId: "lonely-1", input: 1 });
    await waitForStatus(served.baton.client, "lonely-1", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/lonely-1");
    const waiting = opened.page.getByRole("region", { name: "Why it is waiting" });
    await waiting.getByText('No running worker hosts activity "Remote"').waitFor();

    const remote = await serveDashboard({ functions: [activity("Remote", async (n: number) => n + 100)], store: served.store });
    expect((await waitForStatus(remote.baton.client, "lonely-1", "Completed")).output).toBe(101);
    await opened.page.locator("#instance-title .status-Completed").waitFor();
    expect(await waiting.count()).toBe(0);
    expectClean(opened);
  });

  it("lists an activity waiting out its retry with the failure that caused it, and the event the code waits for", async () => {
    const flaky = activity("Flaky", async () => {
      throw new Error("gateway timeout");
    }, { retry: { maxAttempts: 3, firstRetryInterval: "1h" } });
    const patient = orchestration("Patient", async (ctx) => {
      const approval = ctx.waitForExternalEvent<string>("Approved");
      const charged = ctx.callActivity(flaky, null);
      return await ctx.all([approval, charged]);
    });
    const served = await serveDashboard({ functions: [flaky, patient] });
    const { client } = served.baton;
    await client.startNew(patient, { instanceId: "patient-1" });
    await expect.poll(async () => (await client.getStatus("patient-1"))?.pending?.activities[0]?.attempt, { timeout: 30_000 }).toBe(2);
    const opened = await openDashboard(chrome.browser, served, "/instance/patient-1");
    const waiting = opened.page.getByRole("region", { name: "Why it is waiting" });
    await waiting.getByText(/Activity Flaky \(#\d+\), attempt 2: waiting for a worker, not before/).waitFor();
    await waiting.getByText(/last attempt failed: Error: gateway timeout/).waitFor();
    await waiting.getByText(/Event Approved \(not raised yet\)/).waitFor();
    expectClean(opened);
  });

  it("links a sub-orchestration to its parent, whatever id it was given, and the parent to its running child", async () => {
    const child = orchestration("Kid", async (ctx) => ctx.waitForExternalEvent<string>("go"));
    const parent = orchestration("Elder", async (ctx) => ctx.callSubOrchestrator(child, undefined, { instanceId: "kid-with-own-id" }));
    const served = await serveDashboard({ functions: [child, parent] });
    await served.baton.client.startNew(parent, { instanceId: "elder-1" });
    await waitForStatus(served.baton.client, "kid-with-own-id", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/kid-with-own-id");
    await opened.page.getByRole("link", { name: "elder-1" }).click();
    await opened.page.locator("#instance-title", { hasText: "elder-1" }).waitFor();
    await opened.page.getByRole("link", { name: "kid-with-own-id" }).first().waitFor();
    expectClean(opened);
  });
});
