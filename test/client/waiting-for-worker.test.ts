/**
 * Work for a function that no running worker hosts waits (it does not fail) and getStatus
 * says so, naming the functions; once a worker hosting them runs, the instance goes on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, createClient, orchestration, type Baton, type BatonClient } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const open: (Baton | BatonClient)[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ("stop" in item ? item.stop() : item.close());
});

const remote = activity("Remote", async (n: number) => n + 100);
const lonely = orchestration("Lonely", async (ctx, n: number) => ctx.callActivity<number>("Remote", n));
const other = activity("Other", async () => 0);

async function worker(store: string, functions: Parameters<typeof createBaton>[0]["functions"]): Promise<Baton> {
  const baton = await createBaton({ store, functions, logger: quiet, pollIntervalMs: 20 });
  open.push(baton);
  await baton.start();
  return baton;
}

describe("work no running worker hosts", () => {
  it("is shown in getStatus for the orchestration, then for the activity, and runs once hosted", async () => {
    const store = tempStoreUrl();
    const first = await worker(store, [lonely]); // announces "Lonely", so a client may start it
    await first.stop();
    open.splice(open.indexOf(first), 1);
    await worker(store, [other]); // runs, but hosts neither
    const client = await createClient({ store });
    open.push(client);

    const id = await client.startNew("Lonely", { input: 1 });
    const waiting = (await client.getStatus(id))!;
    expect(waiting.runtimeStatus).toBe("Pending");
    expect(waiting.waitingForWorker).toMatchObject({ orchestration: "Lonely" });
    expect(waiting.waitingForWorker!.message).toContain('orchestration "Lonely"');

    await worker(store, [lonely]); // the orchestration runs; its activity is hosted nowhere
    await expect.poll(async () => (await client.getStatus(id))!.waitingForWorker, { timeout: 10_000 }).toEqual({
      activities: ["Remote"],
      message: 'No running worker hosts activity "Remote"; the instance waits until one that does starts.',
    });
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Running");

    await worker(store, [remote]);
    const done = await client.waitForCompletion(id, { timeout: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 101 });
    expect(done.waitingForWorker).toBeUndefined();
  });

  it("is not shown while a worker hosting everything runs", async () => {
    const store = tempStoreUrl();
    const baton = await worker(store, [lonely, remote]);
    const id = await baton.client.startNew(lonely, { input: 2 });
    expect((await baton.client.getStatus(id))!.waitingForWorker).toBeUndefined();
    expect((await baton.client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(102);
  });
});
