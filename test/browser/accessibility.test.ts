/**
 * Readable in both colour schemes (text against its background at WCAG AA, 4.5:1, measured on
 * the rendered page) and usable from the keyboard (the history's tabs, the confirmation).
 */
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { waitForStatus } from "../helpers/wait.js";
import { describeBrowser, expectClean, hello, openDashboard, serveDashboard, useBrowser, waiter } from "./browser-kit.js";

/**
 * The contrast ratio of each element's text against the page's background, as rendered. In-page
 * code is a string: the tests compile without the DOM's types.
 */
const CONTRASTS = `(selectors) => {
  const rgb = (color) => (color.match(/[\\d.]+/g) ?? []).slice(0, 3).map(Number);
  const luminance = (channels) => {
    const [r, g, b] = channels.map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = luminance(rgb(getComputedStyle(document.documentElement).backgroundColor));
  const result = {};
  for (const selector of selectors) {
    const element = document.querySelector(selector);
    if (!element) throw new Error("no " + selector);
    const text = luminance(rgb(getComputedStyle(element).color));
    result[selector] = (Math.max(text, background) + 0.05) / (Math.min(text, background) + 0.05);
  }
  return result;
}`;

function contrasts(page: Page, selectors: string[]): Promise<Record<string, number>> {
  return page.evaluate(`(${CONTRASTS})(${JSON.stringify(selectors)})`);
}

describeBrowser("readable and keyboard-usable", () => {
  const chrome = useBrowser();

  for (const colorScheme of ["light", "dark"] as const) {
    it(`${colorScheme} scheme: text, muted text, links and status colours reach 4.5:1`, async () => {
      const served = await serveDashboard();
      await served.baton.client.startNew(hello, { instanceId: "c-1", input: "Ada" });
      await waitForStatus(served.baton.client, "c-1", "Completed");
      await served.baton.client.startNew(waiter, { instanceId: "c-2" });
      await waitForStatus(served.baton.client, "c-2", "Running");
      const opened = await openDashboard(chrome.browser, served, "", { colorScheme });
      await opened.page.locator('tr[data-instance-id="c-2"]').waitFor();
      const background = await opened.page.evaluate("getComputedStyle(document.documentElement).backgroundColor");
      expect(background).toBe(colorScheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)");
      const ratios = await contrasts(opened.page, ["main h1", ".count span", "th", 'a[href="#/instance/c-1"]', ".badge.status-Completed", ".badge.status-Running"]);
      for (const [selector, ratio] of Object.entries(ratios)) expect({ selector, ok: ratio >= 4.5, ratio }).toMatchObject({ ok: true });
      expectClean(opened);
    });
  }

  it("moves between the history's views with the arrow keys, and cancels a confirmation with Escape", async () => {
    const served = await serveDashboard();
    await served.baton.client.startNew(waiter, { instanceId: "k-1" });
    await waitForStatus(served.baton.client, "k-1", "Running");
    const opened = await openDashboard(chrome.browser, served, "/instance/k-1");
    const { page } = opened;
    await page.getByRole("tab", { name: "Timeline" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "List" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate("document.activeElement?.id")).toBe("history-tab-list");
    await page.keyboard.press("End");
    await page.getByLabel("History as JSON").waitFor();

    await page.getByRole("button", { name: "Terminate…" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    // Cancel has the focus: Enter now would not terminate.
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Cancel");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect((await served.baton.client.getStatus("k-1"))?.runtimeStatus).toBe("Running");
    expectClean(opened);
  });
});
