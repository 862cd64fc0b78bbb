/**
 * The dashboard measured in a real browser: `npx tsx bench/dashboard-browser.ts` (Debian's
 * chromium through playwright-core, headless; BATON_CHROMIUM names another). The dashboard is
 * built as `npm run build` builds it (scripts/build-ui.mjs) and served by serveHttpApi with
 * `dashboard: true` on 127.0.0.1, as `baton start` serves it: real routes, real stores, the
 * strict Content-Security-Policy. Each run is a fresh browser context (no cache), after one
 * warm-up run.
 *
 * 1. History: a real instance with a history of at least 10,000 events (rounds of 50
 *    activities called at once, a 1 ms timer between rounds) on a temporary SQLite store,
 *    opened on its Instance page (`#/instance/<id>`):
 *    - ready: navigation → the timeline's first rows on screen (its `baton:timeline-ready`
 *      mark, set a frame after they rendered): script, status and first page of history read;
 *    - the timeline, then the list, scrolled end to end a viewport per frame (pages of 500
 *      events load on the way), every long task counted (PerformanceObserver "longtask": a
 *      task of 50 ms or more) and the longest kept.
 * 2. List: a SQLite store seeded with finished instances (default 1,000,000, as W7 seeds
 *    them: rows written straight into the store), its Instances page (`#/instances`) opened:
 *    ready = navigation → the first instance row in the table (a MutationObserver installed
 *    before the page's scripts records the time).
 *
 * Options: --runs N (default 5), --rounds N (default 100: about 10,400 events),
 * --instances N (default 1,000,000), --parts history,list (default both).
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { chromium, type Browser, type CDPSession, type Page } from "playwright-core";
import { buildUi } from "../scripts/build-ui.mjs";
import { silentLogger } from "../src/definitions/logger.js";
import { activity, createBaton, orchestration, serveHttpApi, type HttpApiServer } from "../src/index.js";
import { describeMachine, machineLine } from "./machine.js";
import { check, range } from "./scenario.js";
import { seedFinishedInstances } from "./seed-finished-instances.js";
import { formatNumber, max, median } from "./stats.js";
import { newRunStore, type RunStore } from "./stores.js";

const CHROMIUM = process.env.BATON_CHROMIUM ?? "/usr/bin/chromium";
const FAN_OUT = 50;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1]!;
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

interface ScrollFigures {
  ms: number;
  frames: number;
  longTasks: number[];
  /** The page's main thread, busy per frame (CDP Performance metrics): all tasks, of which script. */
  taskMsPerFrame: number;
  scriptMsPerFrame: number;
}

/** Seconds of main-thread work (tasks, and script within them) counted since the session enabled its metrics. */
async function busySeconds(session: CDPSession): Promise<{ task: number; script: number }> {
  const { metrics } = await session.send("Performance.getMetrics");
  const value = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: value("TaskDuration"), script: value("ScriptDuration") };
}

/**
 * Installed before the page's scripts: every long task as [startTime, duration], and when the
 * first instance row appeared. (A string: it runs in the page, which has no tsx helpers.)
 */
const INIT_SCRIPT = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
    .observe({ type: "longtask", buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector("tr[data-instance-id]")) { window.__firstRowMs = performance.now(); observer.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
`;

async function longTasksBetween(page: Page, fromMs: number, toMs: number): Promise<number[]> {
  const all = await page.evaluate(() => (globalThis as unknown as { __longTasks: [number, number][] }).__longTasks);
  return all.filter(([start]) => start >= fromMs && start <= toMs).map(([, duration]) => duration);
}

/** Scrolls `scroller` to its end, a viewport per frame, until every event is loaded. */
async function scrollToEnd(page: Page, scroller: string): Promise<ScrollFigures> {
  const session = await page.context().newCDPSession(page);
  await session.send("Performance.enable");
  const busyBefore = await busySeconds(session);
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
  const busyAfter = await busySeconds(session);
  await session.detach();
  await page.waitForTimeout(200); // a long task is reported once it has ended
  const perFrame = (seconds: number) => (seconds * 1000) / Math.max(frames, 1);
  return {
    ms: endMs - startMs,
    frames,
    longTasks: await longTasksBetween(page, startMs, endMs),
    taskMsPerFrame: perFrame(busyAfter.task - busyBefore.task),
    scriptMsPerFrame: perFrame(busyAfter.script - busyBefore.script),
  };
}

async function newPage(browser: Browser): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(INIT_SCRIPT);
  return { page, close: () => context.close() };
}

interface HistoryRun {
  readyMs: number;
  loadLongTasks: number[];
  timeline: ScrollFigures;
  list: ScrollFigures;
}

async function historyRun(browser: Browser, url: string, total: number): Promise<HistoryRun> {
  const { page, close } = await newPage(browser);
  try {
    await page.goto(url);
    // Functions, not strings: the page's CSP refuses eval.
    await page.waitForFunction(() => performance.getEntriesByName("baton:timeline-ready").length > 0, undefined, { timeout: 60_000 });
    const readyMs = await page.evaluate(() => performance.getEntriesByName("baton:timeline-ready")[0]!.startTime);
    const loadLongTasks = await longTasksBetween(page, 0, readyMs);
    const timeline = await scrollToEnd(page, ".baton-timeline .tl-scroll");
    check((await page.locator(".tl-row .tl-label").last().textContent()) === "completed", "the timeline's last row is not the completion");
    check((await page.locator(".tl-row").count()) < 80, "the timeline renders more rows than are in view");
    await page.getByRole("tab", { name: "List" }).click();
    await page.locator(".hl-row").first().waitFor();
    const list = await scrollToEnd(page, ".baton-history-list .tl-scroll");
    check((await page.locator(".hl-row .hl-index").last().textContent()) === String(total - 1), "the list does not end on the last event");
    return { readyMs, loadLongTasks, timeline, list };
  } finally {
    await close();
  }
}

async function listRun(browser: Browser, url: string): Promise<{ readyMs: number; longTasks: number[] }> {
  const { page, close } = await newPage(browser);
  try {
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as unknown as { __firstRowMs?: number }).__firstRowMs !== undefined, undefined, { timeout: 60_000 });
    const readyMs = await page.evaluate(() => (globalThis as unknown as { __firstRowMs: number }).__firstRowMs);
    return { readyMs, longTasks: await longTasksBetween(page, 0, readyMs) };
  } finally {
    await close();
  }
}

const longTasksLine = (perRun: number[][]) => `${perRun.map((l) => l.length).join(", ")} (longest ${formatNumber(max(perRun.flat().concat(0)))} ms)`;
const busyLine = (figures: ScrollFigures[]) =>
  `main thread busy ${formatNumber(median(figures.map((f) => f.taskMsPerFrame)))} ms per frame, script ${formatNumber(median(figures.map((f) => f.scriptMsPerFrame)))} ms (medians)`;
const runsLine = (values: number[]) => `median ${formatNumber(median(values))} ms; runs ${values.map(formatNumber).join(", ")}`;

async function historyPart(browser: Browser, runs: number, rounds: number): Promise<string[]> {
  const store = newRunStore("sqlite", "dashboard-history", 0);
  const baton = await createBaton({ store: store.url, functions: [step, wide], logger: silentLogger });
  let server: HttpApiServer | undefined;
  try {
    await baton.start();
    const id = await baton.client.startNew(wide, { input: rounds, instanceId: "bench-wide" });
    const done = await baton.client.waitForCompletion(id);
    check(done.runtimeStatus === "Completed", `the instance ended ${done.runtimeStatus}`);
    const total = (await baton.client.getHistoryPage(id, { from: 0, limit: 1 }))!.total;
    check(total >= 10_000 || rounds < 100, `the history has ${total} events, fewer than 10,000`);
    server = await serveHttpApi(baton.client, { port: 0, dashboard: true });
    const url = `${server.url}/dashboard/#/instance/${encodeURIComponent(id)}`;
    await historyRun(browser, url, total); // warm-up
    const figures: HistoryRun[] = [];
    for (let run = 0; run < runs; run++) figures.push(await historyRun(browser, url, total));
    return [
      `- history: ${formatNumber(total)} events of one instance (${rounds} rounds of ${FAN_OUT} activities), SQLite; the Instance page, pages of 500 events`,
      `- ready (navigation → the timeline's first rows on screen): ${runsLine(figures.map((f) => f.readyMs))} (target < 1,000 ms)`,
      `- long tasks before ready, per run: ${longTasksLine(figures.map((f) => f.loadLongTasks))}`,
      `- timeline scrolled end to end (${figures[0]!.timeline.frames} frames, pages loading on the way): ${runsLine(figures.map((f) => f.timeline.ms))}; long tasks per run: ${longTasksLine(figures.map((f) => f.timeline.longTasks))} (target: none over 50 ms); ${busyLine(figures.map((f) => f.timeline))}`,
      `- list scrolled end to end (${figures[0]!.list.frames} frames): ${runsLine(figures.map((f) => f.list.ms))}; long tasks per run: ${longTasksLine(figures.map((f) => f.list.longTasks))}; ${busyLine(figures.map((f) => f.list))}`,
    ];
  } finally {
    await server?.close();
    await baton.stop();
    await store.cleanup();
  }
}

async function listPart(browser: Browser, runs: number, instances: number): Promise<string[]> {
  const store: RunStore = newRunStore("sqlite", "dashboard-list", 0);
  try {
    const seeded = await seedFinishedInstances(store.url, { count: instances, name: "BenchSeeded", activityName: "BenchStep", sampleSize: 1 });
    const baton = await createBaton({ store: store.url, functions: [step, wide], logger: silentLogger });
    const server = await serveHttpApi(baton.client, { port: 0, dashboard: true });
    try {
      const url = `${server.url}/dashboard/#/instances`;
      await listRun(browser, url); // warm-up
      const figures = [];
      for (let run = 0; run < runs; run++) figures.push(await listRun(browser, url));
      return [
        `- list: ${formatNumber(instances)} finished instances on SQLite (seeded in ${formatNumber(seeded.seedMs / 1000)} s); the Instances page, unfiltered, 50 a page, counts per status beside it`,
        `- ready (navigation → the first instance row in the table): ${runsLine(figures.map((f) => f.readyMs))} (target < 500 ms)`,
        `- long tasks before ready, per run: ${longTasksLine(figures.map((f) => f.longTasks))}`,
      ];
    } finally {
      await server.close();
      await baton.stop();
    }
  } finally {
    await store.cleanup();
  }
}

async function main(): Promise<void> {
  check(existsSync(CHROMIUM), `no chromium at ${CHROMIUM}: apt-get install chromium, or set BATON_CHROMIUM`);
  const runs = Number(option("--runs", "5"));
  const parts = option("--parts", "history,list").split(",");
  const { totalGzipBytes } = await buildUi({ quiet: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const lines = [`- dashboard build: ${(totalGzipBytes / 1024).toFixed(1)} kB gzipped in all`];
    if (parts.includes("history")) lines.push(...(await historyPart(browser, runs, Number(option("--rounds", "100")))));
    if (parts.includes("list")) lines.push(...(await listPart(browser, runs, Number(option("--instances", "1000000")))));
    const machine = describeMachine(process.env.TMPDIR ?? "/tmp");
    lines.push(`- machine: ${machineLine(machine)}; chromium ${browser.version()} headless; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(lines.join("\n"));
  } finally {
    await browser.close();
  }
}

await main();
