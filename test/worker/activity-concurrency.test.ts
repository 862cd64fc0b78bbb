/** The `concurrency` option in one process: a fan-out runs at most that many at once; bad values are refused. */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, InvalidArgumentError, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

let baton: Baton | undefined;
afterEach(async () => {
  await baton?.stop();
  baton = undefined;
});

let running = 0;
let most = 0;
const capped = activity(
  "Capped",
  async (n: number) => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 15));
    running--;
    return n * 2;
  },
  { concurrency: 2 },
);
const fanOut = orchestration("CappedFanOut", async (ctx) => ctx.all(Array.from({ length: 10 }, (_, i) => ctx.callActivity(capped, i))));

describe("activity concurrency", () => {
  it("runs at most `concurrency` attempts at once, inline attempts included (there are none)", async () => {
    baton = await createBaton({ store: tempStoreUrl(), functions: [capped, fanOut], logger: quiet, pollIntervalMs: 10 });
    await baton.start();
    const id = await baton.client.startNew(fanOut);
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done.output).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(most).toBe(2);
  });

  it.each([0, -1, 1.5, "3"])("refuses concurrency %j when the activity is defined", (value) => {
    expect(() => activity("Bad", async () => 1, { concurrency: value as never })).toThrow(InvalidArgumentError);
  });
});
