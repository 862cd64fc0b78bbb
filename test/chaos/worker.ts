/**
 * A chaos worker process:
 *   node --import tsx test/chaos/worker.ts <storeUrl> <sideLogFile>
 * Hosts every chaos function, prints "ready" once its loops run, and runs until killed. On
 * SIGTERM it stops gracefully (baton.stop), prints "stopped" and exits 0. Warnings and errors
 * go to stderr, where the driver reads what the worker said about lost leases and failed
 * commits. Tuned through the environment:
 *   CHAOS_LEASE_MS         lease of claimed work (default 1000)
 *   CHAOS_POLL_MS          fallback poll (default 100)
 *   CHAOS_MAX_ACTIVITIES   activities at once in this process (default 20)
 */
import { createBaton } from "../../src/index.js";
import { formatLogLine } from "../../src/observability/log-line.js";
import { chaosFunctions } from "./functions.js";
import { numberFromEnv } from "../crash/kit/number-from-env.js";

const [storeUrl, logFile] = process.argv.slice(2);
if (!storeUrl || !logFile) {
  console.error("usage: worker.ts <storeUrl> <sideLogFile>");
  process.exit(2);
}

const logger = {
  debug() {},
  info() {},
  warn: (message: string, ...args: unknown[]) => process.stderr.write(`warn: ${Date.now()} ${formatLogLine("text", "warn", new Date(), message, args)}\n`),
  error: (message: string, ...args: unknown[]) => process.stderr.write(`error: ${Date.now()} ${formatLogLine("text", "error", new Date(), message, args)}\n`),
};

const baton = await createBaton({
  store: storeUrl,
  functions: chaosFunctions(logFile).functions,
  leaseMs: numberFromEnv("CHAOS_LEASE_MS", 1000),
  pollIntervalMs: numberFromEnv("CHAOS_POLL_MS", 100),
  maxConcurrentActivities: numberFromEnv("CHAOS_MAX_ACTIVITIES", 20),
  logger,
});

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  baton
    .stop({ timeoutMs: 10_000 })
    .then(() => {
      process.stdout.write("stopped\n");
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`error: ${Date.now()} stop failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
});

await baton.start();
process.stdout.write("ready\n");
