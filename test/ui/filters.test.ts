import { describe, expect, it } from "vitest";
import { filterFromParams, isEmptyFilter, matchesFilter, paramsFromFilter } from "../../ui/view-models/filters.js";
import { parseRoute, routeHash } from "../../ui/view-models/route.js";
import type { InstanceFilter } from "../../ui/api-types.js";

describe("the instance filter in the URL", () => {
  it("round-trips every field through the URL query", () => {
    const filter: InstanceFilter = {
      runtimeStatus: ["Running", "Failed"],
      name: "Checkout",
      instanceIdPrefix: "order-",
      createdFrom: "2026-12-01T00:00:00.000Z",
      createdTo: "2026-12-05T10:30:00.000Z",
    };
    const query = paramsFromFilter(filter).toString();
    expect(query).toBe("status=Running%2CFailed&name=Checkout&prefix=order-&from=2026-12-01T00%3A00%3A00.000Z&to=2026-12-05T10%3A30%3A00.000Z");
    expect(filterFromParams(new URLSearchParams(query))).toEqual(filter);
  });

  it("drops unknown statuses, empty values and dates that are not dates, so the API never sees them", () => {
    const filter = filterFromParams(new URLSearchParams("status=Running,Bogus,&name=%20&prefix=&from=yesterday&to=2026-12-05"));
    expect(filter).toEqual({ runtimeStatus: ["Running"], createdTo: "2026-12-05T00:00:00.000Z" });
    expect(isEmptyFilter(filterFromParams(new URLSearchParams("status=Nope")))).toBe(true);
  });

  it("matches an instance as the API filters: status, exact name, id prefix, created in [from, to)", () => {
    const instance = { instanceId: "order-7", name: "Checkout", runtimeStatus: "Running" as const, createdAt: "2026-12-03T00:00:00.000Z" };
    expect(matchesFilter({}, instance)).toBe(true);
    expect(matchesFilter({ runtimeStatus: ["Running"], name: "Checkout", instanceIdPrefix: "order-" }, instance)).toBe(true);
    expect(matchesFilter({ runtimeStatus: ["Completed"] }, instance)).toBe(false);
    expect(matchesFilter({ name: "Check" }, instance)).toBe(false);
    expect(matchesFilter({ instanceIdPrefix: "invoice-" }, instance)).toBe(false);
    expect(matchesFilter({ createdFrom: "2026-12-03T00:00:00.001Z" }, instance)).toBe(false);
    expect(matchesFilter({ createdTo: "2026-12-03T00:00:00.000Z" }, instance)).toBe(false);
  });
});

describe("routes in the hash", () => {
  it("reads each page, and anything unknown as the instance list", () => {
    expect(parseRoute("#/instance/a%2Fb%3A1")).toEqual({ page: "instance", instanceId: "a/b:1" });
    expect(parseRoute("#/instances?status=Failed")).toEqual({ page: "instances", filter: { runtimeStatus: ["Failed"] } });
    expect(parseRoute("#/bulk?name=X")).toEqual({ page: "bulk", filter: { name: "X" } });
    expect(parseRoute("#/start?name=Hello")).toEqual({ page: "start", name: "Hello" });
    expect(parseRoute("#/workers")).toEqual({ page: "workers" });
    expect(parseRoute("")).toEqual({ page: "instances", filter: {} });
    expect(parseRoute("#/nowhere")).toEqual({ page: "instances", filter: {} });
  });

  it("writes the hash that reads back as the same route", () => {
    for (const hash of ["#/instance/x%3F%23y", "#/instances?status=Running&prefix=a", "#/bulk?name=N", "#/start?name=Hello", "#/workers", "#/instances"]) {
      expect(routeHash(parseRoute(hash))).toBe(hash);
    }
  });
});
