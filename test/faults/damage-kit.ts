/**
 * Damaging a real SQLite store file on purpose: a store of many instances (so that each table
 * and index spans many pages), the pages of a b-tree located with SQLite's dbstat table, and
 * pseudo-random bytes (seeded: every run damages the same way) written over one of them.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

/** Creates `count` instances of `name`, ids i000, i001…, with some input, and closes the store. */
export async function storeOfInstances(path: string, count: number, options: { name?: string; startAt?: number } = {}): Promise<string[]> {
  const store = SqliteStore.open(`sqlite:${path}`, path);
  const ids = Array.from({ length: count }, (_, i) => `i${String(i).padStart(3, "0")}`);
  const now = Date.now();
  for (const [i, instanceId] of ids.entries()) {
    const input = JSON.stringify({ n: i, padding: "p".repeat(200) });
    await store.createInstance({ instanceId, name: options.name ?? "Hello", executionId: `e-${i}`, input, startAt: options.startAt ?? 0, reuseFinished: false }, now + i);
  }
  await store.close();
  return ids;
}

interface Leaf {
  pageno: number;
  /** The rows of a rowid table on this leaf, by their position in rowid order. */
  firstRow: number;
  rows: number;
}

/** The leaves of a table or index, in key order. */
export function leavesOf(path: string, name: string): Leaf[] {
  const db = new Database(path, { readonly: true });
  try {
    const pages = db.prepare("SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path").all(name) as {
      pageno: number;
      ncell: number;
    }[];
    let firstRow = 0;
    return pages.map(({ pageno, ncell }) => {
      const leaf = { pageno, firstRow, rows: ncell };
      firstRow += ncell;
      return leaf;
    });
  } finally {
    db.close();
  }
}

/** The root page of a table or index. */
export function rootPageOf(path: string, name: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(name) as { rootpage: number }).rootpage;
  } finally {
    db.close();
  }
}

/** Writes seeded pseudo-random bytes over `length` bytes of page `pageno` (1-based), from `offset` within it. */
export function overwritePage(path: string, pageno: number, options: { offset?: number; length?: number; seed?: number } = {}): void {
  const pageSize = readFileSync(path).readUInt16BE(16) || 65536;
  const offset = options.offset ?? 0;
  const bytes = noise(options.length ?? pageSize - offset, options.seed ?? pageno);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, (pageno - 1) * pageSize + offset);
  } finally {
    closeSync(fd);
  }
}

/** xorshift32: the same bytes for the same seed. */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** The SHA-256 of the file (and of its -wal, when there is one). */
export function fingerprint(path: string): { main: string; wal: string | undefined } {
  const hash = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  return { main: hash(path), wal: existsSync(`${path}-wal`) ? hash(`${path}-wal`) : undefined };
}
