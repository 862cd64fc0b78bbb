/**
 * The client's reads for a dashboard, on each store: their arguments checked before the store
 * is read, history pages that add up to the history, changes the latest first, counts capped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, InvalidArgumentError, orchestration, type Baton, type HistoryPage } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const double = activity("Double", async (n: number) => n * 2);
const steps = orchestration("Steps", async (ctx, n: number) => {
  let total = 0;
  for (let i = 0; i < n; i++) total += await ctx.callActivity(double, i);
  return total;
});

let baton: Baton | undefined;
afterEach(async () => {
  await baton?.stop({ timeoutMs: 2000 });
  baton = undefined;
});

async function started(): Promise<Baton> {
  baton = await createBaton({ store: tempStoreUrl(), functions: [double, steps], logger: quiet, pollIntervalMs: 20 });
  await baton.start();
  return baton;
}

describe("client reads for a dashboard", () => {
  it("pages of a history add up to the history; changes come the latest first; counts stop at the cap", async () => {
    const { client } = await started();
    const before = new Date(Date.now() - 1);
    for (const [id, n] of [["a", 5], ["b", 1], ["c", 2]] as const) await client.startNew(steps, { instanceId: id, input: n });
    for (const id of ["a", "b", "c"]) await waitForStatus(client, id, "Completed");
    const whole = (await client.getStatus("a", { showHistory: true }))!.history!;
    const paged = [];
    for (let from: number | null = 0; from !== null; ) {
      const page: HistoryPage = (await client.getHistoryPage("a", { from, limit: 4 }))!;
      expect(page.total).toBe(whole.length);
      paged.push(...page.events);
      from = page.next;
    }
    expect(paged).toEqual(whole);
    expect(await client.getHistoryPage("missing")).toBeNull();

    const changes = await client.changedSince(before);
    expect(changes.map((c) => c.instanceId).sort()).toEqual(["a", "b", "c"]);
    expect(changes.map((c) => c.lastUpdatedAt.getTime())).toEqual([...changes.map((c) => c.lastUpdatedAt.getTime())].sort((x, y) => y - x));
    expect(changes[0]).toEqual({ instanceId: expect.any(String), name: "Steps", runtimeStatus: "Completed", createdAt: expect.any(Date), lastUpdatedAt: expect.any(Date) });
    expect(await client.changedSince(new Date(Date.now() + 60_000))).toEqual([]);

    expect((await client.countInstances()).counts.Completed).toBe(3);
    expect(await client.countInstances({ name: "Steps" }, { cap: 2 })).toMatchObject({ counts: { Completed: 2 }, capped: true });
    expect(await client.countInstances({ instanceIdPrefix: "a" })).toMatchObject({ counts: { Completed: 1 }, capped: false });
  });

  it("checks arguments before reading the store", async () => {
    const { client } = await started();
    const bad: [string, () => Promise<unknown>][] = [
      ["limit 0", () => client.getHistoryPage("a", { limit: 0 })],
      ["limit over 5,000", () => client.getHistoryPage("a", { limit: 5001 })],
      ["negative from", () => client.getHistoryPage("a", { from: -1 })],
      ["unknown option", () => client.getHistoryPage("a", { form: 1 } as never)],
      ["cap 0", () => client.countInstances({}, { cap: 0 })],
      ["unknown filter key", () => client.countInstances({ nmae: "Steps" } as never)],
      ["bad status", () => client.countInstances({ runtimeStatus: ["Done" as never] })],
      ["changes over 1,000", () => client.changedSince(new Date(), { limit: 1001 })],
      ["not a date", () => client.changedSince("yesterday" as never)],
      ["replay limit 0", () => client.replayCheckWhere({}, { limit: 0 })],
    ];
    for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
