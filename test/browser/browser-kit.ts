/**
 * Shared by the browser tests: Debian's chromium driven by playwright-core (headless), a baton
 * served with its dashboard on 127.0.0.1 (port 0, a temp SQLite file), and page helpers that
 * collect what the page reports (console errors, uncaught exceptions, CSP refusals) so a test
 * can assert the page ran clean. Without chromium the tests are skipped with a visible
 * message; under CI=true they fail instead.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect } from "vitest";
import { activity, createBaton, orchestration, serveHttpApi, type Baton, type FunctionDefinition, type HttpApiServer, type ServeHttpApiOptions } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { CHROMIUM_PATH } from "./chromium-path.js";

export { CHROMIUM_PATH };
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

if (!HAS_CHROMIUM && process.env.CI !== "true") {
  console.warn(`\n*** No chromium at ${CHROMIUM_PATH}: the browser tests are SKIPPED. apt-get install chromium, or set BATON_CHROMIUM. ***\n`);
}

/**
 * `describe` for browser tests: skipped when chromium is missing, except under CI=true, where
 * the tests run and fail on the launch (CI must test the dashboard).
 */
export const describeBrowser: typeof describe = (HAS_CHROMIUM || process.env.CI === "true" ? describe : describe.skip) as typeof describe;

// The functions most browser tests drive.
export const greet = activity("Greet", async (name: string) => `Hello, ${name}!`);
export const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
/** Waits for the "Go" event and returns its data. */
export const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent<unknown>("Go"));
export const defaultFunctions: FunctionDefinition[] = [greet, hello, waiter];

export interface ServedDashboard {
  baton: Baton;
  server: HttpApiServer;
  /** The store URL (a temp SQLite file unless given): serve it again to change the code. */
  store: string;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** `${url}/dashboard/` */
  dashboardUrl: string;
  /** Stops the server and the baton (done after each test anyway). Idempotent. */
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A baton (worker started unless `start: false`) serving the API and the dashboard; stopped after the test. */
export async function serveDashboard(
  options: { functions?: FunctionDefinition[]; store?: string; start?: boolean; http?: ServeHttpApiOptions } = {},
): Promise<ServedDashboard> {
  const store = options.store ?? tempSqliteUrl();
  const baton = await createBaton({ store, functions: options.functions ?? defaultFunctions, logger: silentLogger, pollIntervalMs: 20 });
  let server: HttpApiServer | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await server?.close();
    await baton.stop();
  };
  cleanups.push(close);
  if (options.start !== false) await baton.start();
  server = await serveHttpApi(baton.client, { port: 0, ...options.http, dashboard: true });
  return { baton, server, store, url: server.url, dashboardUrl: `${server.url}/dashboard/`, close };
}

/**
 * One chromium for the file (launched before its tests, closed after): call at the top of a
 * describeBrowser block, read `.browser` inside tests.
 */
export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error("useBrowser(): the browser is launched in beforeAll; read it inside a test");
      return browser;
    },
  };
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and CSP refusals the page reported. */
  problems: string[];
}

/**
 * A fresh browser context (own cookies) on the dashboard, at `route` (the part after #, e.g.
 * "/instances?status=Running"); closed after the test. Waits until the app has rendered.
 */
export async function openDashboard(
  browser: Browser,
  served: ServedDashboard,
  route = "",
  options: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ colorScheme: options.colorScheme ?? "light", viewport: options.viewport ?? { width: 1280, height: 800 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  await page.goto(served.dashboardUrl + (route ? `#${route}` : ""));
  await page.locator("[data-app-ready]").waitFor();
  return { page, context, problems };
}

/** Asserts the page reported no problem (no console error, exception or CSP refusal). */
export function expectClean(opened: OpenedPage): void {
  expect(opened.problems).toEqual([]);
}
