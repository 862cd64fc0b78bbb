/**
 * getStatus and waitForCompletion given the definition first, for an id that came from
 * elsewhere: the status is read as usual, and an instance of another orchestration is refused,
 * so that the output type the definition promises is not a lie.
 */
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { createBaton, InvalidArgumentError, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const area = orchestration("Area", async (_ctx, size: { width: number; height: number }) => ({ area: size.width * size.height }));
const other = orchestration("Other", async () => "other");

async function started(): Promise<Baton> {
  const baton = await createBaton({ store: tempStoreUrl(), logger: quiet, functions: [area, other] });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("a definition given with an id", () => {
  it("reads the instance of that orchestration, typed by it", async () => {
    const { client } = await started();
    const id: string = await client.startNew(area, { input: { width: 2, height: 3 }, instanceId: "area-1" });
    const done = await client.waitForCompletion(area, id, { timeout: "1m" });
    expectTypeOf(done.output).toEqualTypeOf<{ area: number } | undefined>();
    expect(done.output).toEqual({ area: 6 });
    const status = await client.getStatus(area, id, { showInput: false });
    expect(status?.output).toEqual({ area: 6 });
    expect(status).not.toHaveProperty("input");
    expect(await client.getStatus(area, "no-such-instance")).toBeNull();
  });

  it("rejects an instance of another orchestration with InvalidArgumentError naming both", async () => {
    const { client } = await started();
    const id = await client.startNew(other, { instanceId: "other-1" });
    await client.waitForCompletion(id, { timeout: "1m" });
    const expected = { code: "INVALID_ARGUMENT", message: expect.stringMatching(/"other-1" runs orchestration "Other", not "Area"/) };
    await expect(client.getStatus(area, id)).rejects.toThrow(InvalidArgumentError);
    await expect(client.getStatus(area, id)).rejects.toMatchObject(expected);
    await expect(client.waitForCompletion(area, id, { timeout: "1m" })).rejects.toMatchObject(expected);
    expect((await client.getStatus(id))?.output).toBe("other");
  });
});
