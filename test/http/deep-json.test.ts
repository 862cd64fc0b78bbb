/**
 * A body nested deeper than MAX_PAYLOAD_DEPTH (valid JSON) is refused with 400 before it is
 * parsed, with a message naming the limit; a body at the limit is accepted and stored as sent.
 */
import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_DEPTH } from "../../src/definitions/payload.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { expectError, serve } from "./http-kit.js";

const deepArrays = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const TOO_DEEP = `The body nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are allowed. Flatten the data.`;

describe("deeply nested JSON bodies", () => {
  it.each([
    ["5,000 nested arrays", deepArrays(5_000)],
    ["1 MiB of brackets, 524,288 levels deep", deepArrays(524_288)],
    ["one level past the limit, in objects", `${'{"a":'.repeat(MAX_PAYLOAD_DEPTH + 1)}1${"}".repeat(MAX_PAYLOAD_DEPTH + 1)}`],
  ])("refuses %s with 400 INVALID_ARGUMENT naming the depth limit, storing nothing", async (_what, body) => {
    const served = await serve({ start: false });
    await served.baton.client.startNew("Waiter", { instanceId: "waiting" });
    const before = await snapshotStore(served.store);
    for (const path of ["/api/orchestrators/Waiter/deep", "/api/instances/waiting/raiseEvent/Go"]) {
      const error = await expectError(await served.api(path, { method: "POST", body }), 400, "INVALID_ARGUMENT");
      expect(error.message).toBe(TOO_DEEP);
    }
    expect(await snapshotStore(served.store)).toEqual(before);
    expect((await served.api("/api/health")).status).toBe(200);
    expect(served.unexpected).toEqual([]);
  });

  it(`accepts a body nested ${MAX_PAYLOAD_DEPTH} levels deep, brackets in strings not counted, and stores it as sent`, async () => {
    const served = await serve({ start: false });
    const input = JSON.parse(`${"[".repeat(MAX_PAYLOAD_DEPTH - 1)}["[[[[\\"{{{{"]${"]".repeat(MAX_PAYLOAD_DEPTH - 1)}`) as unknown;
    const response = await served.api("/api/orchestrators/Waiter/at-limit", { method: "POST", body: JSON.stringify(input) });
    expect(response.status).toBe(202);
    expect((await served.baton.client.getStatus("at-limit"))?.input).toEqual(input);
  });
});
