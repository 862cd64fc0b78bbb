import { isAbsolute, resolve } from "node:path";
import { StoreUnavailableError } from "../errors.js";
import type { Store } from "./store.js";
import { SqliteStore, type SqliteSynchronous } from "./sqlite/sqlite-store.js";

const SYNCHRONOUS = ["OFF", "NORMAL", "FULL", "EXTRA"];

/**
 * Opens a store from its URL:
 * - `sqlite:./relative.db`, `sqlite:/absolute/path.db`, optionally `?synchronous=NORMAL`.
 */
export async function openStore(url: string): Promise<Store> {
  if (typeof url !== "string" || url.length === 0) {
    throw new StoreUnavailableError(`store must be a URL such as "sqlite:./baton.db", got ${JSON.stringify(url)}.`);
  }
  if (url.startsWith("sqlite:")) {
    const [pathPart, query] = url.slice("sqlite:".length).split("?", 2) as [string, string | undefined];
    if (pathPart.trim() === "") {
      throw new StoreUnavailableError(`Store URL "${url}" has no file path. Use "sqlite:./baton.db" or "sqlite:/abs/path.db".`);
    }
    const params = new URLSearchParams(query ?? "");
    const synchronous = (params.get("synchronous") ?? "FULL").toUpperCase();
    if (!SYNCHRONOUS.includes(synchronous)) {
      throw new StoreUnavailableError(`Store URL "${url}": synchronous must be one of ${SYNCHRONOUS.join(", ")}.`);
    }
    const path = isAbsolute(pathPart) ? pathPart : resolve(process.cwd(), pathPart);
    return SqliteStore.open(url, path, { synchronous: synchronous as SqliteSynchronous });
  }
  throw new StoreUnavailableError(
    `Store URL "${url}" is not supported. Use "sqlite:./baton.db" (embedded) — PostgreSQL URLs come with the PostgreSQL store.`,
  );
}
