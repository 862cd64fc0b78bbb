/**
 * The stores the conformance suite runs against. Every test file of this folder runs once per
 * factory (`describe.each(STORE_FACTORIES)`), through the `Store` interface only, so another
 * implementation passes or fails the same tests unchanged.
 */
import { afterEach, beforeEach } from "vitest";
import { openStore } from "../../../src/store/open-store.js";
import type { Store } from "../../../src/store/store.js";
import { tempSqliteUrl } from "../../helpers/temp-store.js";
import { postgresAvailable, tempPostgresUrl } from "../../helpers/postgres.js";

export interface StoreFactory {
  name: string;
  /** A new, empty store of its own: no two opens share data. */
  open(): Promise<Store>;
}

export const STORE_FACTORIES: StoreFactory[] = [
  { name: "sqlite", open: () => openStore(tempSqliteUrl()) },
  // A schema of its own per store, dropped after the test (skipped, visibly, without a server).
  ...(postgresAvailable
    ? [
        { name: "postgres", open: () => openStore(tempPostgresUrl()) },
        // As behind a pooler in transaction mode: every statement sent unnamed.
        { name: "postgres without prepared statements", open: () => openStore(`${tempPostgresUrl()}&preparedStatements=false`) },
      ]
    : []),
];

/**
 * A fresh store for each test of the enclosing describe, closed after it.
 * Use: `const s = useStore(factory);` then `s.store` inside the tests.
 */
export function useStore(factory: StoreFactory): { readonly store: Store } {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await factory.open();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get store(): Store {
      if (!current) throw new Error("useStore: no store outside a test");
      return current;
    },
  };
}
