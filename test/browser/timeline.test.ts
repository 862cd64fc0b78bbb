/**
 * The history timeline, the history list and the charts in a real chromium, under the
 * dashboard's Content-Security-Policy: a history of 10,000 events opens on its first page,
 * renders only the rows in view, loads the rest page by page as it scrolls, answers the keys,
 * and takes its colours from the colour scheme; the charts draw what /api/metrics says.
 */
import type { Browser, Page } from "playwright-core";
import { afterEach, expect, it } from "vitest";
import { describeBrowser, expectClean, useBrowser, type OpenedPage } from "./browser-kit.js";
import { serveHarness, syntheticHistory, type HarnessServer } from "./timeline-kit.js";

const BIG = syntheticHistory(10_000);
const SMALL = syntheticHistory(60);
let harness: HarnessServer | undefined;
const contexts: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of contexts.splice(0)) await close();
  await harness?.close();
  harness = undefined;
});

async function open(browser: Browser, path: string, colorScheme: "light" | "dark" = "light"): Promise<OpenedPage> {
  harness ??= await serveHarness(new Map([["big", BIG], ["small", SMALL]]));
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
  await page.evaluate(async (selector) => {
    const element = document.querySelector<HTMLElement>(selector)!;
    const root = document.querySelector<HTMLElement>("[data-history-total]")!;
    const loaded = () => root.dataset.historyLoaded === root.dataset.historyTotal;
    for (let frame = 0; frame < 100_000; frame++) {
      if (loaded() && element.scrollTop + element.clientHeight >= element.scrollHeight - 1) return;
      element.scrollTop += element.clientHeight;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }, scroller);
}

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
    expect(await page.evaluate(() => performance.getEntriesByName("baton:history-ready").length)).toBe(1);
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
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-row"))).toBe("2");
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
      const fill = (selector: string) => page.locator(selector).first().evaluate((element) => getComputedStyle(element).fill);
      expect(await page.locator(".tl-row.tl-failed .tl-label").first().textContent()).toBe("Step3");
      expect(await fill(".tl-row.tl-failed .tl-bar")).not.toBe(await fill(".tl-row.tl-completed .tl-bar"));
      colours.push(await fill(".tl-row.tl-completed .tl-bar"));
      colours.push(await page.locator(".baton-timeline").evaluate((element) => getComputedStyle(element).backgroundColor));
      expectClean(opened);
    }
    expect(colours[0]).not.toBe(colours[2]);
    expect(colours[1]).not.toBe(colours[3]);
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
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-row"))).toBe("9999");
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
});
