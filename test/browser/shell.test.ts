/** The dashboard loads in a real chromium under its strict CSP, and runs clean. */
import { expect, it } from "vitest";
import { describeBrowser, expectClean, openDashboard, serveDashboard, useBrowser } from "./browser-kit.js";

describeBrowser("the dashboard shell", () => {
  const chrome = useBrowser();

  it("loads its script and style under the Content-Security-Policy, with no error", async () => {
    const served = await serveDashboard();
    const opened = await openDashboard(chrome.browser, served);
    expect(await opened.page.locator("header.top").textContent()).toContain("Baton");
    expectClean(opened);
  });
});
