/**
 * The history timeline, the history list and the charts in a real chromium, under the
 * dashboard's Content-Security-Policy: a history of 10,000 events opens on its first page,
 * renders only the rows in view, loads the rest page by page as it scrolls, answers the keys,
 * and takes its colours from the colour scheme; the charts draw what /api/metrics says.
 */
import type { Browser, Page } from "playwright-core";
import { afterEach, expect, it } from "vitest";
import { silentLogger } from "../../src/definitions/logger.js";
import { activity, createBaton, orchestration } from "../../src/index.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { describeBrowser, expectClean, useBrowser, type OpenedPage } from "./browser-kit.js";
import { historiesOf, serveHarness, syntheticHistory, type HarnessServer, type HistorySource } from "./timeline-kit.js";

const BIG = syntheticHistory(10_000);
const SMALL = syntheticHistory(60);
let harness: HarnessServer | undefined;
const contexts: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of contexts.splice(0)) await close();
  await harness?.close();
  harness = undefined;
});

async function open(browser: Browser, path: string, colorScheme: "light" | "dark" = "light", source?: HistorySource): Promise<OpenedPage> {
  harness ??= await serveHarness(source ?? historiesOf(new Map([["big", BIG], ["small", SMALL]])));
  const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
  contexts.push(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => void (message.type() === "error" && problems.push(`console: ${message.text()}`)));
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  await page.goto(harness.pageUrl + path);
  return { page, context, problems };
}

/** Scrolls the view's scroller to its end, a viewport per frame, until every event is loaded. */
async function scrollToEnd(page: Page, scroller: string): Promise<void> {
  // Runs in the page (the root tsconfig has no DOM types: the window is reached from the element).
  await page.locator(scroller).evaluate(async (element) => {
    const window = element.ownerDocument.defaultView!;
    const root = element.closest("[data-history-total]")!;
    const loaded = () => root.getAttribute("data-history-loaded") === root.getAttribute("data-history-total");
    for (let frame = 0; frame < 100_000; frame++) {
      if (loaded() && element.scrollTop + element.clientHeight >= element.scrollHeight - 1) return;
      element.scrollTop += element.clientHeight;
      await new Promise((resolve) => window.requestAnimationFrame(resolve));
    }
  });
}

const focusedRow = (page: Page) => page.locator(":focus").getAttribute("data-row");
/** A computed style property of the first element matching `selector` (read in the page). */
const computedStyle = (page: Page, selector: string, property: string) =>
  page.locator(selector).first().evaluate((element, name) => element.ownerDocument.defaultView!.getComputedStyle(element).getPropertyValue(name), property);

describeBrowser("the history timeline", () => {
  const chrome = useBrowser();

  it("opens a history of 10,000 events on its first page, with only the rows in view in the page", async () => {
    const opened = await open(chrome.browser, "#big");
    const { page } = opened;
    await page.locator(".tl-row").first().waitFor();
    expect(await page.locator("[data-history-total]").getAttribute("data-history-total")).toBe("10000");
    expect(harness!.historyRequests.slice(0, 1)).toEqual([0]);
    expect(await page.locator(".tl-row").count()).toBeLessThan(60);
    expect(await page.locator(".tl-row").first().locator(".tl-label").textContent()).toBe("started");
    expect(await page.evaluate(() => performance.getEntriesByName("baton:timeline-ready").length)).toBe(1);
    expectClean(opened);
  });

  it("loads the rest page by page while scrolling to the end, and still renders only the rows in view", async () => {
    const opened = await open(chrome.browser, "#big");
    const { page } = opened;
    await page.locator(".tl-row").first().waitFor();
    await scrollToEnd(page, ".baton-timeline .tl-scroll");
    expect(harness!.historyRequests).toEqual(Array.from({ length: 20 }, (_, i) => i * 500));
    await expect.poll(() => page.locator(".tl-row .tl-label").last().textContent()).toBe("completed");
    expect(await page.locator(".tl-row").count()).toBeLessThan(60);
    expect(await page.locator(".tl-loading").count()).toBe(0);
    expectClean(opened);
  });

  it("moves through rows with the keys, shows the detail, and zooms", async () => {
    const opened = await open(chrome.browser, "#small");
    const { page } = opened;
    await page.locator(".tl-row").first().waitFor();
    await page.locator(".tl-row").first().focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => focusedRow(page)).toBe("2");
    expect(await page.locator('.tl-row[tabindex="0"]').count()).toBe(1);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".tl-detail").textContent()).toContain("TaskScheduled");
    expect(await page.locator(".tl-detail").textContent()).toContain('"item": 1');

    const ticks = () => page.locator(".tl-tick-label").allTextContents();
    const fitted = await ticks();
    await page.keyboard.press("+");
    await page.keyboard.press("+");
    await expect.poll(ticks).not.toEqual(fitted);
    await page.keyboard.press("0");
    await expect.poll(ticks).toEqual(fitted);
    expectClean(opened);
  });

  it("shows queue retries as attempts on the bar and failures in the failure colour, in light and dark", async () => {
    const colours: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      const opened = await open(chrome.browser, "#small", scheme);
      const { page } = opened;
      await page.locator(".tl-row").first().waitFor();
      // Seq 0 and 7 finished after 3 attempts.
      expect(await page.locator(".tl-row.tl-completed", { hasText: "Step0" }).first().locator(".tl-attempts").textContent()).toBe("×3");
      const fill = (selector: string) => computedStyle(page, selector, "fill");
      expect(await page.locator(".tl-row.tl-failed .tl-label").first().textContent()).toBe("Step3");
      expect(await fill(".tl-row.tl-failed .tl-bar")).not.toBe(await fill(".tl-row.tl-completed .tl-bar"));
      colours.push(await fill(".tl-row.tl-completed .tl-bar"));
      colours.push(await computedStyle(page, ".baton-timeline", "background-color"));
      expectClean(opened);
    }
    expect(colours[0]).not.toBe(colours[2]);
    expect(colours[1]).not.toBe(colours[3]);
  });
});

describeBrowser("the timeline of a real instance", () => {
  const chrome = useBrowser();
  let failures = 0;
  const flaky = activity("Flaky", async (n: number) => {
    if (failures++ < 2) throw new Error("not yet");
    return n;
  }, { retry: { maxAttempts: 3, firstRetryInterval: 1 } });
  const child = orchestration("Child", async () => "child");
  const parent = orchestration("Parent", async (ctx) => {
    await ctx.callActivity(flaky, 1);
    await ctx.sleep(5);
    await ctx.callSubOrchestrator(child, undefined, { instanceId: `${ctx.instanceId}-child` });
    return ctx.waitForExternalEvent<string>("Go");
  });

  it("draws the rows of a history read from the store through client.getHistoryPage, and links a finished child to its page", async () => {
    const baton = await createBaton({ store: tempSqliteUrl(), functions: [flaky, child, parent], logger: silentLogger, pollIntervalMs: 20 });
    try {
      await baton.start();
      const id = await baton.client.startNew(parent, { instanceId: "real-1" });
      await expect.poll(async () => (await baton.client.getStatus(id, { showHistory: true }))?.history?.some((e) => e.type === "SubOrchestrationCompleted")).toBe(true);
      await baton.client.raiseEvent(id, "Go", "now");
      expect((await baton.client.waitForCompletion(id)).runtimeStatus).toBe("Completed");

      const opened = await open(chrome.browser, `#${id}`, "light", async (instanceId, from, limit) => baton.client.getHistoryPage(instanceId, { from, limit }));
      const { page } = opened;
      await page.locator(".tl-row").first().waitFor();
      const rows = await page.locator(".tl-row").evaluateAll((elements) => elements.map((e) => `${e.querySelector(".tl-label")!.textContent} ${e.className.split(" ").slice(1, 3).join(" ")}`));
      expect(rows[0]).toBe("started tl-marker tl-point");
      expect(rows.slice(1, 3)).toEqual(["Flaky tl-activity tl-completed", expect.stringMatching(/^timer until \S+ tl-timer tl-fired$/)]);
      expect(rows.slice(3)).toEqual(["Child (real-1-child) tl-subOrchestration tl-completed", "event Go tl-event tl-point", "completed tl-marker tl-point"]);

      // A finished child is one click away: its id in the detail links to its page.
      await page.locator(".tl-row").nth(3).focus();
      await page.keyboard.press("Enter");
      const childLink = page.locator('.tl-detail a[href="#/instance/real-1-child"]');
      await childLink.waitFor();
      expect(await childLink.textContent()).toBe("real-1-child");
      expectClean(opened);
    } finally {
      await baton.stop();
    }
  });
});

describeBrowser("the history list", () => {
  const chrome = useBrowser();

  it("lists every event of a big history, virtualized, and goes to the last one loaded with End", async () => {
    const opened = await open(chrome.browser, "?view=list#big");
    const { page } = opened;
    await page.locator(".hl-row").first().waitFor();
    expect(await page.locator(".hl-row").count()).toBeLessThan(70);
    await scrollToEnd(page, ".baton-history-list .tl-scroll");
    await page.locator(".hl-row").first().focus();
    await page.keyboard.press("End");
    await expect.poll(() => focusedRow(page)).toBe("9999");
    expect(await page.locator(".hl-row.tl-selected .hl-type").textContent()).toBe("ExecutionCompleted");
    expect(await page.locator(".hl-row").count()).toBeLessThan(70);
    expectClean(opened);
  });
});

describeBrowser("the metrics charts", () => {
  const chrome = useBrowser();

  it("poll /api/metrics and draw throughput and queue depth", async () => {
    const opened = await open(chrome.browser, "?page=charts&pollMs=100");
    const { page } = opened;
    // Before a second sample, the x axis spans the last minute, not years around one instant.
    await expect.poll(async () => page.locator(".baton-chart").first().getAttribute("data-x-span-s")).toBe("60");
    let finished = 0;
    const scrape = () => `baton_instances{status="Completed"} ${(finished += 50)}\nbaton_work_ready{queue="activity",function="A"} 7\n`;
    harness!.setMetricsText(scrape());
    const timer = setInterval(() => harness!.setMetricsText(scrape()), 50);
    try {
      await expect.poll(async () => Number(await page.locator("[data-points]").getAttribute("data-points"))).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(timer);
    }
    expect(await page.locator(".baton-chart canvas").count()).toBe(2);
    expect(await page.locator(".baton-chart .u-title").allTextContents()).toEqual(["Throughput", "Queue depth"]);
    expect(await page.locator(".baton-chart .u-legend").nth(1).textContent()).toContain("activity queue");
    expectClean(opened);
  });

  it("keep a range dragged to zoom on through later polls, until a double-click fits the data again", async () => {
    const opened = await open(chrome.browser, "?page=charts&pollMs=100");
    const { page } = opened;
    const chart = page.locator(".baton-chart").first();
    const span = async (): Promise<number> => Number(await chart.getAttribute("data-x-span-s"));
    const points = async (): Promise<number> => Number(await page.locator("[data-points]").getAttribute("data-points"));
    harness!.setMetricsText(`baton_instances{status="Completed"} 1\n`);
    await expect.poll(points).toBeGreaterThanOrEqual(2);
    expect(await span()).toBe(60);
    // Drag across the middle third of the plot: the x axis now spans about 20 s.
    const plot = (await chart.locator(".u-over").boundingBox())!;
    const y = plot.y + plot.height / 2;
    await page.mouse.move(plot.x + plot.width / 3, y);
    await page.mouse.down();
    await page.mouse.move(plot.x + (plot.width * 2) / 3, y, { steps: 5 });
    await page.mouse.up();
    const zoomed = await span();
    expect(zoomed).toBeGreaterThan(10);
    expect(zoomed).toBeLessThan(30);
    // Polls go on and the data grows; the zoom stays.
    const before = await points();
    await expect.poll(points).toBeGreaterThanOrEqual(before + 3);
    expect(await span()).toBe(zoomed);
    await chart.locator(".u-over").dblclick();
    await expect.poll(span).toBe(60);
    expectClean(opened);
  });
});
