/**
 * Bounded fan-out: process many images with at most 10 in flight at once, durably (the
 * bound holds across crashes and restarts), then send exactly one notification.
 */
import { activity, orchestration } from "../../src/index.js";

/** Stand-in for real image work: takes a little time and reports a size. */
export const processImage = activity("ProcessImage", async (file: string, ctx) => {
  ctx.log.info(`processing ${file}`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { file, bytes: 1000 + file.length };
});

export const notifyCompletion = activity("NotifyCompletion", async (count: number, ctx) => {
  ctx.log.info(`processed ${count} images`);
});

export const imageProcessing = orchestration("ImageProcessing", async (ctx, files: string[]) => {
  const results = await ctx.map(files, (file) => ctx.callActivity(processImage, file), { concurrency: 10 });
  await ctx.callActivity(notifyCompletion, results.length);
  return results.reduce((sum, result) => sum + result.bytes, 0);
});

export const functions = [processImage, notifyCompletion, imageProcessing];
