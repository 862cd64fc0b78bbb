import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { functions, imageProcessing, observed } from "../../examples/image-processing/functions.js";
import { tempDir } from "../helpers/temp-store.js";
import { historyOf, startBaton } from "./kit.js";

beforeEach(() => {
  observed.inFlight = 0;
  observed.maxInFlight = 0;
  observed.notifications.length = 0;
});

describe("example: image processing", () => {
  it("processes 40 images with exactly 10 in flight at most, then notifies once", async () => {
    const dir = tempDir("baton-images-");
    const sizes = Array.from({ length: 40 }, (_, i) => 500 + 37 * i);
    const files = sizes.map((size, i) => {
      const file = join(dir, `image-${i}.png`);
      writeFileSync(file, Buffer.alloc(size, i));
      return file;
    });

    // The worker would run up to 50 at once: the bound of 10 must come from ctx.map.
    const baton = await startBaton(functions, { maxConcurrentActivities: 50 });
    const id = await baton.client.startNew(imageProcessing, { input: files });
    const done = await baton.client.waitForCompletion(id, { timeout: "30s" });

    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toBe(sizes.reduce((sum, size) => sum + size, 0));
    expect(observed.maxInFlight).toBe(10);
    expect(observed.inFlight).toBe(0);
    expect(observed.notifications).toEqual([40]);

    const scheduled = (await historyOf(baton, id)).filter((e) => e.type === "TaskScheduled");
    expect(scheduled.filter((e) => e.name === "ProcessImage")).toHaveLength(40);
    expect(scheduled.filter((e) => e.name === "NotifyCompletion").map((e) => e.input)).toEqual([40]);
    expect(scheduled.at(-1)?.name).toBe("NotifyCompletion");
  });
});
