/**
 * Image processing, tested with batonjs/testing: ProcessImage replaced by a stand-in that
 * needs no files and counts how many run at once, to show the bound of 10 holds; one
 * notification however many images.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { beforeEach, expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import { functions, imageProcessing, notifyCompletion, observed, processImage } from "../../../examples/image-processing/functions.js";

const files = Array.from({ length: 35 }, (_, i) => `photos/img-${String(i + 1).padStart(2, "0")}.jpg`);

beforeEach(() => {
  observed.notifications.length = 0; // NotifyCompletion records into the example's module
});

it("processes every image, at most 10 at once, and notifies once", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const env = await createTestEnvironment({
    functions,
    // Sized by the name's length instead of a file on disk; the extra turn lets others start.
    activities: {
      ProcessImage: async (file: string) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await nextTurn();
        inFlight--;
        return { file, bytes: file.length };
      },
    },
  });
  try {
    const id = await env.client.startNew(imageProcessing, { input: files });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(files.reduce((sum, file) => sum + file.length, 0));
    expect(env.activityCalls(processImage)).toHaveLength(files.length);
    expect(maxInFlight).toBeLessThanOrEqual(10);
    expect(observed.notifications).toEqual([files.length]);
  } finally {
    await env.close();
  }
});

it("fails the batch, without a notification, when an image keeps failing", async () => {
  const broken = files[1];
  const env = await createTestEnvironment({
    functions,
    activities: {
      ProcessImage: async (file: string) => {
        if (file === broken) throw new Error(`corrupt JPEG: ${file}`);
        return { file, bytes: 1 };
      },
    },
    defaultActivityRetry: { maxAttempts: 3, firstRetryInterval: "10s" },
  });
  try {
    const id = await env.client.startNew(imageProcessing, { input: files.slice(0, 3) });
    const done = await env.client.waitForCompletion(id); // both backoffs skipped
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.failureDetails?.message).toContain("corrupt JPEG");
    const attempts = env.activityCalls(processImage).filter((call) => call.input === broken);
    expect(attempts.map((call) => [call.attempt, call.outcome.status])).toEqual([[1, "failed"], [2, "failed"], [3, "failed"]]);
    expect(env.activityCalls(notifyCompletion)).toEqual([]);
  } finally {
    await env.close();
  }
});
