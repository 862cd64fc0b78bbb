/**
 * GET /api/instances/{id} says why a running instance waits (`pending`, times as ISO strings),
 * leaves it out with showPending=false or once the instance ended, and refuses a bad value.
 */
import { describe, expect, it } from "vitest";
import { waitUntil } from "../helpers/wait.js";
import { expectError, json, serve } from "./http-kit.js";

describe("HTTP status: pending work", () => {
  it("shows the events a running instance awaits, not once it ended, nor with showPending=false", async () => {
    const served = await serve();
    expect((await served.api("/api/orchestrators/Waiter/w1", json(undefined))).status).toBe(202);
    const waiting = await waitUntil(async () => {
      const body = (await (await served.api("/api/instances/w1")).json()) as { pending?: { events: string[] } };
      return body.pending && body.pending.events.length > 0 ? body : undefined;
    }, "the wait for Go");
    expect(waiting.pending).toEqual({ activities: [], timers: [], events: ["Go"], children: [] });

    const without = (await (await served.api("/api/instances/w1?showPending=false")).json()) as Record<string, unknown>;
    expect(without.runtimeStatus).toBe("Running");
    expect("pending" in without).toBe(false);
    await expectError(await served.api("/api/instances/w1?showPending=maybe"), 400, "INVALID_ARGUMENT");

    expect((await served.api("/api/instances/w1/raiseEvent/Go", json(1))).status).toBe(202);
    const ended = await waitUntil(async () => {
      const response = await served.api("/api/instances/w1");
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
    }, "the instance to end");
    expect(ended.runtimeStatus).toBe("Completed");
    expect("pending" in ended).toBe(false);
  });
});
