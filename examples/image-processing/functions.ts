/**
 * Bounded fan-out: process many images with at most 10 in flight at once, then send
 * exactly one notification. `ctx.map` keeps the bound durably: after a restart the
 * orchestration replays, sees which calls already finished, and keeps at most 10 going.
 */
import { stat } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { activity, orchestration } from "../../src/index.js";

/**
 * What the activities observed in this process: main.ts prints it, the tests assert it.
 * (Real code would report metrics instead.)
 */
export const observed = { inFlight: 0, maxInFlight: 0, notifications: [] as number[] };

/** "Processes" one image file: reads its size and takes a moment, as a resize would. */
export const processImage = activity("ProcessImage", async (file: string) => {
  observed.inFlight++;
  observed.maxInFlight = Math.max(observed.maxInFlight, observed.inFlight);
  try {
    const { size } = await stat(file);
    await delay(25); // stands in for the real work
    return { file, bytes: size };
  } finally {
    observed.inFlight--;
  }
});

/** Tells someone the batch is done. */
export const notifyCompletion = activity("NotifyCompletion", async (count: number, actx) => {
  observed.notifications.push(count);
  actx.log.info(`processed ${count} images`);
});

/** Processes every file, at most 10 at once, notifies once, and returns the total bytes. */
export const imageProcessing = orchestration("ImageProcessing", async (ctx, files: string[]) => {
  // Results come back in the order of `files`, whatever order the calls finish in.
  const results = await ctx.map(files, (file) => ctx.callActivity(processImage, file), { concurrency: 10 });
  await ctx.callActivity(notifyCompletion, results.length);
  return results.reduce((sum, result) => sum + result.bytes, 0);
});

export const functions = [processImage, notifyCompletion, imageProcessing];
