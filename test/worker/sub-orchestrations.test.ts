/**
 * ctx.callSubOrchestrator: child instances with their own history; their outcome comes back
 * to the parent's call; terminating a parent terminates its running children.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, SubOrchestrationFailedError, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

let childFailures = 0;
const double = activity("Double", async (n: number) => n * 2);
const child = orchestration("Child", async (ctx, n: number) => {
  if (n < 0) throw new Error(`negative: ${n}`);
  if (n === 99 && childFailures-- > 0) throw new Error("flaky child");
  return (await ctx.callActivity(double, n)) + 1;
});
const waitingChild = orchestration("WaitingChild", async (ctx) => ctx.waitForExternalEvent("Never"));
const parent = orchestration("Parent", async (ctx, n: number) => {
  const one = await ctx.callSubOrchestrator(child, n);
  const many = await ctx.all([1, 2, 3].map((i) => ctx.callSubOrchestrator(child, i)));
  return { one, many };
});
const careful = orchestration("Careful", async (ctx, input: { n: number; instanceId?: string }) => {
  try {
    return await ctx.callSubOrchestrator(child, input.n, input.instanceId === undefined ? {} : { instanceId: input.instanceId });
  } catch (error) {
    if (!(error instanceof SubOrchestrationFailedError)) throw error;
    return `${error.orchestrationName} ${error.instanceId}: ${error.cause.name}: ${error.cause.message}`;
  }
});
const retrying = orchestration("Retrying", async (ctx) =>
  ctx.callSubOrchestrator(child, 99, { instanceId: "retried-child", retry: { maxAttempts: 3, firstRetryInterval: 10 } }),
);
const holder = orchestration("Holder", async (ctx) => ctx.callSubOrchestrator(waitingChild, null, { instanceId: "held-child" }));

async function newBaton(cache = 10_000): Promise<Baton> {
  const baton = await createBaton({
    store: tempStoreUrl(),
    functions: [double, child, waitingChild, parent, careful, retrying, holder],
    logger: quiet,
    maxCachedOrchestrations: cache,
  });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("sub-orchestrations", () => {
  it.each([10_000, 0])("run as child instances with their own history and return their output (cache %i)", async (cache) => {
    const { client } = await newBaton(cache);
    const id = await client.startNew(parent, { input: 5, instanceId: "the-parent" });
    const done = await client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.output).toEqual({ one: 11, many: [3, 5, 7] });
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    const scheduled = history.filter((e) => e.type === "SubOrchestrationScheduled");
    expect(scheduled.map((e) => e.instanceId)).toEqual(["the-parent:0", "the-parent:1", "the-parent:2", "the-parent:3"]);
    expect(history.filter((e) => e.type === "SubOrchestrationCompleted")).toHaveLength(4);
    expect(history.some((e) => e.type === "TaskScheduled")).toBe(false); // the activities are in the children's histories
    const firstChild = (await client.getStatus("the-parent:0", { showHistory: true }))!;
    expect(firstChild).toMatchObject({ name: "Child", runtimeStatus: "Completed", input: 5, output: 11 });
    expect(firstChild.history!.some((e) => e.type === "TaskScheduled")).toBe(true);
  });

  it("a failing child rejects the call with SubOrchestrationFailedError and its cause", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(careful, { input: { n: -3 }, instanceId: "careful-1" });
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe("Child careful-1:0: Error: negative: -3");
  });

  it("a child id that is taken fails the call and leaves the existing instance alone", async () => {
    const { client } = await newBaton();
    const existing = await client.startNew(child, { input: 1, instanceId: "taken-id" });
    await client.waitForCompletion(existing, { timeout: 10_000 });
    const id = await client.startNew(careful, { input: { n: 2, instanceId: "taken-id" } });
    const output = (await client.waitForCompletion(id, { timeout: 10_000 })).output as string;
    expect(output).toContain("InstanceAlreadyExistsError");
    expect(await client.getStatus("taken-id")).toMatchObject({ input: 1, output: 3, runtimeStatus: "Completed" });
  });

  it("retries a failed child as a new instance per attempt", async () => {
    childFailures = 2;
    const { client } = await newBaton();
    const id = await client.startNew(retrying);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(199);
    expect((await client.getStatus("retried-child"))!.runtimeStatus).toBe("Failed");
    expect((await client.getStatus("retried-child~2"))!.runtimeStatus).toBe("Failed");
    expect((await client.getStatus("retried-child~3"))!.runtimeStatus).toBe("Completed");
  });

  it("terminating the parent terminates its running child", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(holder);
    await expect.poll(async () => (await client.getStatus("held-child"))?.runtimeStatus, { timeout: 10_000 }).toBe("Running");
    await client.terminate(id, "cancelled");
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).runtimeStatus).toBe("Terminated");
    expect((await client.waitForCompletion("held-child", { timeout: 10_000 })).runtimeStatus).toBe("Terminated");
  });
});
