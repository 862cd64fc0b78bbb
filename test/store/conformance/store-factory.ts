/**
 * The stores the conformance suite runs against. Every test file of this folder runs once per
 * factory (`describe.each(STORE_FACTORIES)`), through the `Store` interface only, so another
 * implementation passes or fails the same tests unchanged.
 */
import { afterEach, beforeEach } from "vitest";
import { openStore } from "../../../src/store/open-store.js";
import type { Store } from "../../../src/store/store.js";
import { tempStoreUrl } from "../../helpers/temp-store.js";

export interface StoreFactory {
  name: string;
  /** A new, empty store of its own: no two opens share data. */
  open(): Promise<Store>;
}

export const STORE_FACTORIES: StoreFactory[] = [
  { name: "sqlite", open: () => openStore(tempStoreUrl()) },
  // The PostgreSQL factory goes here, once the PostgreSQL store exists: its open() must return an
  // empty store of its own (for example a fresh schema or database per call) and its
  // close() must leave nothing behind that a later open() could see.
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
