/**
 * The dashboard's history view measured in a real browser: `npx tsx bench/dashboard-browser.ts`
 * (Debian's chromium through playwright-core, headless; BATON_CHROMIUM names another).
 *
 * A real instance with a history of at least 10,000 events is made on a temporary SQLite store
 * (rounds of 50 activities called at once, a 1 ms timer between rounds), then the history view
 * (ui/timeline/harness.tsx, bundled and minified like the dashboard) is opened on it, its pages
 * read through client.getHistoryPage and served as GET /api/instances/:id/history answers them
 * (test/browser/timeline-kit.ts), under the dashboard's Content-Security-Policy. Each run is a
 * fresh browser context (no cache):
 *   - ready: from navigation to the first page on screen (the `baton:history-ready` mark, set
 *     a frame after the rows rendered): script load, first request, rows, paint;
 *   - scroll: the timeline, then the list, scrolled end to end a viewport per frame (pages load
 *     on the way), with every long task (PerformanceObserver "longtask": a task of 50 ms or
 *     more) counted and the longest kept.
 * Options: --runs N (default 5), --rounds N (default 100: about 10,600 events).
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { gzipSync } from "node:zlib";
import { chromium, type Browser, type Page } from "playwright-core";
import { silentLogger } from "../src/definitions/logger.js";
import { activity, createBaton, orchestration } from "../src/index.js";
import { bundleHarness, serveHarness } from "../test/browser/timeline-kit.js";
import { describeMachine, machineLine } from "./machine.js";
import { check, range } from "./scenario.js";
import { formatNumber, max, median } from "./stats.js";
import { newRunStore } from "./stores.js";

const CHROMIUM = process.env.BATON_CHROMIUM ?? "/usr/bin/chromium";
const FAN_OUT = 50;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const step = activity("BenchStep", async (n: number) => n * 2);
const wide = orchestration("BenchWide", async (ctx, rounds: number) => {
  let sum = 0;
  for (const round of range(rounds)) {
    const results = await Promise.all(range(FAN_OUT).map((i) => ctx.callActivity(step, round * FAN_OUT + i)));
    sum += results.reduce((a, b) => a + b, 0);
    await ctx.sleep(1);
  }
  return sum;
});

interface RunFigures {
  readyMs: number;
  loadLongTasks: number[];
  timeline: ScrollFigures;
  list: ScrollFigures;
}

interface ScrollFigures {
  ms: number;
  frames: number;
  longTasks: number[];
}

/** Installed before the page's scripts: every long task, as [startTime, duration]. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
    .observe({ type: "longtask", buffered: true });
`;

async function longTasksBetween(page: Page, fromMs: number, toMs: number): Promise<number[]> {
  const all = await page.evaluate(() => (globalThis as unknown as { __longTasks: [number, number][] }).__longTasks);
  return all.filter(([start]) => start >= fromMs && start <= toMs).map(([, duration]) => duration);
}

/** Scrolls `scroller` to its end, a viewport per frame, until every event is loaded. */
async function scrollToEnd(page: Page, scroller: string): Promise<ScrollFigures> {
  const { startMs, endMs, frames } = await page.locator(scroller).evaluate(async (element) => {
    const window = element.ownerDocument.defaultView!;
    const root = element.closest("[data-history-total]")!;
    const startMs = window.performance.now();
    let frames = 0;
    // No named functions in here: tsx would wrap them in a helper the page does not have.
    while (frames < 100_000) {
      const loaded = root.getAttribute("data-history-loaded") === root.getAttribute("data-history-total");
      if (loaded && element.scrollTop + element.clientHeight >= element.scrollHeight - 1) break;
      element.scrollTop += element.clientHeight;
      await new Promise((resolve) => window.requestAnimationFrame(resolve));
      frames++;
    }
    return { startMs, endMs: window.performance.now(), frames };
  });
  // A long task is reported once it ends: give the observer a frame.
  await page.waitForTimeout(200);
  return { ms: endMs - startMs, frames, longTasks: await longTasksBetween(page, startMs, endMs) };
}

async function oneRun(browser: Browser, url: string, total: number): Promise<RunFigures> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(OBSERVE_LONG_TASKS);
    await page.goto(url);
    // Functions, not strings: the page's CSP refuses eval.
    await page.waitForFunction(() => performance.getEntriesByName("baton:history-ready").length > 0);
    const readyMs = await page.evaluate(() => performance.getEntriesByName("baton:history-ready")[0]!.startTime);
    const loadLongTasks = await longTasksBetween(page, 0, readyMs);

    const timeline = await scrollToEnd(page, ".baton-timeline .tl-scroll");
    check((await page.locator(".tl-row .tl-label").last().textContent()) === "completed", "the timeline's last row is not the completion");
    check((await page.locator(".tl-row").count()) < 80, "the timeline renders more rows than are in view");
    await page.getByRole("tab", { name: "Events" }).click();
    await page.locator(".hl-row").first().waitFor();
    const list = await scrollToEnd(page, ".baton-history-list .tl-scroll");
    check((await page.locator(".hl-row .hl-index").last().textContent()) === String(total - 1), "the list does not end on the last event");
    return { readyMs, loadLongTasks, timeline, list };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  check(existsSync(CHROMIUM), `no chromium at ${CHROMIUM}: apt-get install chromium, or set BATON_CHROMIUM`);
  const runs = option("--runs", 5);
  const rounds = option("--rounds", 100);
  const store = newRunStore("sqlite", "dashboard-browser", 0);
  const baton = await createBaton({ store: store.url, functions: [step, wide], logger: silentLogger });
  let browser: Browser | undefined;
  try {
    await baton.start();
    const madeAt = Date.now();
    const id = await baton.client.startNew(wide, { input: rounds, instanceId: "bench-wide" });
    const done = await baton.client.waitForCompletion(id);
    check(done.runtimeStatus === "Completed", `the instance ended ${done.runtimeStatus}`);
    const first = await baton.client.getHistoryPage(id, { from: 0, limit: 1 });
    const total = first!.total;
    check(total >= 10_000 || rounds < 100, `the history has ${total} events, fewer than 10,000`);
    console.log(`history: ${formatNumber(total)} events, made in ${formatNumber((Date.now() - madeAt) / 1000)} s`);

    const harness = await serveHarness(async (instanceId, from, limit) => baton.client.getHistoryPage(instanceId, { from, limit }));
    const bundle = await bundleHarness();
    const gzipKB = (gzipSync(bundle.script).length + gzipSync(bundle.style).length) / 1024;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    await oneRun(browser, `${harness.pageUrl}#${id}`, total); // warm-up: the server's first reads, chromium's caches
    const figures: RunFigures[] = [];
    for (let run = 0; run < runs; run++) figures.push(await oneRun(browser, `${harness.pageUrl}#${id}`, total));
    await harness.close();

    const machine = describeMachine(store.where);
    const long = (list: number[][]) => `${list.map((l) => l.length).join(", ")} (longest ${formatNumber(max(list.flat().concat(0)))} ms)`;
    const lines = [
      `- history: ${formatNumber(total)} events of one instance (${rounds} rounds of ${FAN_OUT} activities), SQLite, read through client.getHistoryPage in pages of 500`,
      `- bundle of the view (script + style, minified): ${gzipKB.toFixed(1)} kB gzipped`,
      `- ready (navigation → first page on screen): median ${formatNumber(median(figures.map((f) => f.readyMs)))} ms; runs ${figures.map((f) => formatNumber(f.readyMs)).join(", ")} (target < 1,000 ms)`,
      `- long tasks while loading, per run: ${long(figures.map((f) => f.loadLongTasks))}`,
      `- timeline scrolled end to end (${figures[0]!.timeline.frames} frames, pages loading on the way): median ${formatNumber(median(figures.map((f) => f.timeline.ms)))} ms; long tasks per run: ${long(figures.map((f) => f.timeline.longTasks))} (target: none over 50 ms)`,
      `- list scrolled end to end (${figures[0]!.list.frames} frames): median ${formatNumber(median(figures.map((f) => f.list.ms)))} ms; long tasks per run: ${long(figures.map((f) => f.list.longTasks))}`,
      `- machine: ${machineLine(machine)}; ${await browser.version()} headless; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    ];
    console.log(lines.join("\n"));
  } finally {
    await browser?.close();
    await baton.stop();
    await store.cleanup();
  }
}

await main();
