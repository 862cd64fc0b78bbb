/**
 * A stalled instance (here after a NonDeterminismError) is Running: its message names what
 * works — compatible code (or ctx.patched), or terminate — and never rewind, which refuses it
 * with the same actions, through the client, the HTTP API and the CLI.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, createHttpApi, InstanceNotFailedError, orchestration, STALLED_INSTANCE_FIX, type Baton } from "../../src/index.js";
import { EXIT, runBaton } from "../cli/cli-kit.js";
import { tempDir, tempStoreUrl } from "../helpers/temp-store.js";
import { waitForHistoryEvent, waitUntil } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const reserve = activity("Reserve", async (item: string) => `reserved ${item}`);
const charge = activity("Charge", async (item: string) => `charged ${item}`);
const v1 = orchestration("Order", async (ctx, item: string) => {
  await ctx.callActivity(reserve, item);
  return ctx.waitForExternalEvent<string>("Approved");
});
// Changed its first step: does not fit an instance already past it.
const v2 = orchestration("Order", async (ctx, item: string) => {
  await ctx.callActivity(charge, item);
  return ctx.waitForExternalEvent<string>("Approved");
});

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

async function started(store: string, order: typeof v1): Promise<Baton> {
  const baton = await createBaton({ store, functions: [reserve, charge, order], pollIntervalMs: 20, logger: quiet });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("a stalled instance", () => {
  it("says what works, and rewind refuses it pointing to the same actions", async () => {
    const store = tempStoreUrl();
    const first = await started(store, v1);
    await first.client.startNew(v1, { input: "book", instanceId: "order-1" });
    await waitForHistoryEvent(first.client, "order-1", "TaskCompleted");
    await first.stop();
    const second = await started(store, v2);
    await second.client.raiseEvent("order-1", "Approved", "alice");
    const status = await waitUntil(async () => {
      const current = await second.client.getStatus("order-1");
      return current?.stalled ? current : undefined;
    }, "the instance to be stalled");

    expect(status.runtimeStatus).toBe("Running");
    expect(status.stalled!.code).toBe("NON_DETERMINISM");
    expect(status.stalled!.message).toContain('history has activity "Reserve" at step 0, but the code called activity "Charge"');
    expect(status.stalled!.message).toContain(
      "Deploy code compatible with its history (or guard the change with ctx.patched()): a worker started with it runs the instance again and it continues by itself. Or terminate it.",
    );
    expect(status.stalled!.message.split(STALLED_INSTANCE_FIX)).toHaveLength(2); // once
    expect(status.stalled!.message).not.toMatch(/rewind/i);

    const refused = `Instance "order-1" is Running and stalled (NON_DETERMINISM), not Failed, so it cannot be rewound. ${STALLED_INSTANCE_FIX}`;
    const error = await second.client.rewind("order-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotFailedError);
    expect((error as Error).message).toBe(refused);

    const response = await createHttpApi({ client: second.client }).request("/api/instances/order-1/rewind", { method: "POST" });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ code: "INSTANCE_NOT_FAILED", message: refused });

    const cli = await runBaton(["rewind", "order-1", "--store", store], { cwd: tempDir() });
    expect(cli.code).toBe(EXIT.CONFLICT);
    expect(cli.stderr).toContain(`baton: INSTANCE_NOT_FAILED: ${refused}`);
    const shown = await runBaton(["status", "order-1", "--store", store], { cwd: tempDir() });
    expect(shown.stdout).toContain("NON_DETERMINISM");
    expect(shown.stdout.replace(/\s+/g, " ")).toContain("Or terminate it.");
  });
});
