/**
 * A store with instances in every state the management commands act on, and a worker in this
 * (the test's) process that carries on what the commands start: raised events, resumes,
 * rewinds, restarts.
 */
import { join } from "node:path";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { waitForStatus } from "../helpers/wait.js";

/** Instances with this prefix are Pending (they start in a year): enough for two pages of `list`. */
export const BULK = 1005;

export interface ManagedStore {
  baton: Baton;
  storeUrl: string;
  /** Fragile's activity fails while this is true. */
  state: { failing: boolean };
}

export async function managedStore(dir: string): Promise<ManagedStore> {
  const state = { failing: true };
  const greet = activity("Greet", async (name: string) => `Hello, ${name}!`);
  const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
  const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent<unknown>("go"));
  const flaky = activity("Flaky", async (_: undefined) => {
    if (state.failing) throw new Error("kaput");
    return "fixed";
  });
  const fragile = orchestration("Fragile", async (ctx) => ctx.callActivity(flaky, undefined));

  // synchronous=OFF: the 1,000-odd instances are written quickly; durability is not under test here.
  const storeUrl = `sqlite:${join(dir, "baton.db")}?synchronous=OFF`;
  const baton = await createBaton({ store: storeUrl, functions: [greet, hello, waiter, flaky, fragile], logger: silentLogger, pollIntervalMs: 50 });
  await baton.start();
  const { client } = baton;
  for (const [id, name] of [["done-1", "Ada"], ["done-2", "Bo"], ["done-3", "Cy"]] as const) await client.startNew(hello, { instanceId: id, input: name });
  for (const id of ["wait-1", "wait-2", "wait-3", "wait-4"]) await client.startNew(waiter, { instanceId: id });
  await client.startNew(fragile, { instanceId: "fail-1" });
  const later = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  for (let i = 0; i < BULK; i++) await client.startNew(waiter, { instanceId: `bulk-${String(i).padStart(4, "0")}`, input: i, startAt: later });
  for (const id of ["done-1", "done-2", "done-3"]) await waitForStatus(client, id, "Completed");
  for (const id of ["wait-1", "wait-2", "wait-3", "wait-4"]) await waitForStatus(client, id, "Running");
  await client.suspend("wait-4", "hold on");
  await waitForStatus(client, "fail-1", "Failed");
  return { baton, storeUrl, state };
}

/** Runs `run` over `items`, at most `width` at once; results in order. */
export async function pool<T, R>(items: readonly T[], width: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await run(items[i]!);
      }
    }),
  );
  return results;
}
