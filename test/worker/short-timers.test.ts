/**
 * Timers due within a commit's duration: the episode that creates one commits after it may
 * already be due. Its wake-up must not depend on the fallback poll (an hour here: a missed
 * wake-up never comes within the test, however generous its bounds for a busy machine).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

let baton: Baton | undefined;
afterEach(async () => {
  await baton?.stop();
  baton = undefined;
});

const napper = orchestration("Napper", async (ctx, naps: number) => {
  for (let i = 0; i < naps; i++) await ctx.sleep(1);
  return naps;
});

describe("a timer due before its episode's commit ends", () => {
  it("fires without waiting for the poll, a hundred times in a row", { timeout: 180_000 }, async () => {
    baton = await createBaton({ store: tempStoreUrl(), functions: [napper], logger: quiet, pollIntervalMs: "1h" });
    await baton.start();
    const id = await baton.client.startNew(napper, { input: 100 });
    expect((await baton.client.waitForCompletion(id, { timeout: 150_000 })).output).toBe(100);
  });
});
