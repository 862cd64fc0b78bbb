/**
 * A store reads the time a lease starts from its own clock (options.clock), never from
 * Date.now: a test kit can run a store on a virtual clock. The caller's `now` still counts
 * when the clock is behind it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { postgresOptions } from "../../src/store/open-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { createRequest, LEASE_MS, orchestrationClaim } from "./conformance/ops.js";

/** A virtual time far from the wall clock, in both directions. */
const VIRTUAL = 5_000_000_000_000;

const backends: { name: string; open: (clock: () => number) => Promise<Store> }[] = [
  {
    name: "sqlite",
    open: async (clock) => {
      const url = tempSqliteUrl();
      return SqliteStore.open(url, url.slice("sqlite:".length), { clock });
    },
  },
  ...(postgresAvailable
    ? [
        {
          name: "postgres",
          open: (clock: () => number) => {
            const url = tempPostgresUrl();
            return PostgresStore.open(url, postgresOptions(url), { clock });
          },
        },
      ]
    : []),
];

describe.each(backends)("$name store on a virtual clock", ({ open }) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it("leases claimed work from its clock when the caller's now lies behind it", async () => {
    store = await open(() => VIRTUAL);
    await store.createInstance(createRequest("i1"), 1000);
    const claimed = await store.claim(orchestrationClaim("w1", 1000));
    expect(claimed.orchestrations.map((item) => item.instanceId)).toEqual(["i1"]);
    expect(claimed.leasesExpireAt).toBe(VIRTUAL + LEASE_MS);
  });

  it("leases from the caller's now when the clock lies behind it", async () => {
    store = await open(() => 1000);
    await store.createInstance(createRequest("i1"), VIRTUAL);
    const claimed = await store.claim(orchestrationClaim("w1", VIRTUAL));
    expect(claimed.leasesExpireAt).toBe(VIRTUAL + LEASE_MS);
  });
});
