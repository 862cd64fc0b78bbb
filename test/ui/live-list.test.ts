import { describe, expect, it } from "vitest";
import { applyChanges } from "../../ui/view-models/live-list.js";
import type { InstanceChange } from "../../ui/api-types.js";

const row = (instanceId: string, runtimeStatus: InstanceChange["runtimeStatus"], createdAt: string): InstanceChange => ({
  instanceId,
  name: "Hello",
  runtimeStatus,
  createdAt,
  lastUpdatedAt: createdAt,
});

describe("the instance list kept current from the stream", () => {
  const rows = [row("b", "Running", "2026-12-05T00:00:02Z"), row("a", "Running", "2026-12-05T00:00:01Z")];

  it("updates a listed row in place, with the last change of the batch", () => {
    const changes = [row("a", "Suspended", "2026-12-05T00:00:01Z"), row("a", "Completed", "2026-12-05T00:00:01Z")];
    const next = applyChanges(rows, changes, { filter: {}, firstPage: true, pageSize: 10 });
    expect(next.map((r) => [r.instanceId, r.runtimeStatus])).toEqual([
      ["b", "Running"],
      ["a", "Completed"],
    ]);
  });

  it("removes a row that no longer passes the filter", () => {
    const next = applyChanges(rows, [row("a", "Completed", "2026-12-05T00:00:01Z")], { filter: { runtimeStatus: ["Running"] }, firstPage: true, pageSize: 10 });
    expect(next.map((r) => r.instanceId)).toEqual(["b"]);
  });

  it("puts new matching instances on top of the first page, newest first, within the page size", () => {
    const changes = [row("c", "Pending", "2026-12-05T00:00:03Z"), row("d", "Pending", "2026-12-05T00:00:04Z"), row("x", "Failed", "2026-12-05T00:00:05Z")];
    const next = applyChanges(rows, changes, { filter: { runtimeStatus: ["Pending", "Running"] }, firstPage: true, pageSize: 3 });
    expect(next.map((r) => r.instanceId)).toEqual(["d", "c", "b"]);
  });

  it("adds nothing to a later page (new instances belong on the first)", () => {
    const next = applyChanges(rows, [row("c", "Pending", "2026-12-05T00:00:03Z")], { filter: {}, firstPage: false, pageSize: 10 });
    expect(next.map((r) => r.instanceId)).toEqual(["b", "a"]);
  });
});
