/**
 * Takes the README's screenshot (docs/dashboard.png) in Debian's chromium: a baton on a temp
 * SQLite file runs a few checkouts (one failed, one waiting for an event, the others done),
 * and the page of one of them is captured, its timeline showing.
 *
 * Usage: npx tsx test/browser/screenshot.ts   (after `npm run build`, or a test run, built dist/ui)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { activity, createBaton, orchestration, serveHttpApi } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { CHROMIUM_PATH } from "./chromium-path.js";

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const chargeAttempts = new Map<string, number>();

const reserve = activity("ReserveStock", async (order: string) => (await pause(40), `reserved ${order}`));
const charge = activity("ChargeCard", async (order: string) => {
  const attempt = (chargeAttempts.get(order) ?? 0) + 1;
  chargeAttempts.set(order, attempt);
  await pause(60);
  if (order === "order-1003") throw new Error("card declined");
  if (attempt === 1) throw new Error("payment gateway timed out");
  return { order, charged: 42.5 };
});
const ship = activity("ShipParcel", async (order: string) => (await pause(50), `shipped ${order}`));
const checkout = orchestration("Checkout", async (ctx, order: string) => {
  await ctx.callActivity(reserve, order);
  const receipt = await ctx.callActivity(charge, order, { retry: { maxAttempts: 3, firstRetryInterval: 100 } });
  await ctx.sleep(150);
  const confirmed = await ctx.waitForExternalEvent<boolean>("Confirmed");
  const parcel = confirmed ? await ctx.callActivity(ship, order) : "cancelled";
  return { receipt, parcel };
});

const dir = mkdtempSync(join(tmpdir(), "baton-screenshot-"));
const baton = await createBaton({ store: `sqlite:${join(dir, "baton.db")}`, functions: [reserve, charge, ship, checkout], logger: silentLogger, pollIntervalMs: 20 });
await baton.start();
const server = await serveHttpApi(baton.client, { port: 0, dashboard: true });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const orders = ["order-1001", "order-1002", "order-1003", "order-1004", "order-1005"];
  for (const order of orders) await baton.client.startNew(checkout, { instanceId: order, input: order });
  await waitFor(async () => (await baton.client.getStatus("order-1003"))?.runtimeStatus === "Failed");
  for (const order of ["order-1001", "order-1002", "order-1004"]) {
    await waitFor(async () => (await baton.client.getStatus(order, { showHistory: true }))?.history?.some((e) => e.type === "TimerFired") === true);
    await baton.client.raiseEvent(order, "Confirmed", true);
  }
  for (const order of ["order-1001", "order-1002", "order-1004"]) await baton.client.waitForCompletion(order, { timeout: 20_000 });

  const page = await browser.newPage({ viewport: { width: 1280, height: 960 }, deviceScaleFactor: 1, colorScheme: "light" });
  await page.goto(`${server.url}/dashboard/#/instance/order-1002`);
  await page.locator(".baton-timeline .tl-label", { hasText: "ShipParcel" }).waitFor();
  await page.screenshot({ path: new URL("../../docs/dashboard.png", import.meta.url).pathname, fullPage: false });
  console.log("wrote docs/dashboard.png");
} finally {
  await browser.close();
  await server.close();
  await baton.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("screenshot: the instances did not reach the expected states");
    await pause(20);
  }
}
