/**
 * The faults of a SQLite file that outlast the call that met them, told apart from every other
 * driver error by their result code, and named for the caller:
 * - SQLITE_FULL: the disk (or `max_page_count`) leaves no room for the write → StoreFullError;
 * - SQLITE_CORRUPT* and SQLITE_NOTADB: the file is damaged, or not a database → StoreCorruptError.
 * Anything else is returned as it is.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { StoreCorruptError, StoreFullError } from "../../errors.js";

/** The 16 bytes every SQLite database file begins with. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isDiskFull(error: unknown): boolean {
  return codeOf(error) === "SQLITE_FULL";
}

export function isCorruption(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB");
}

/** The Baton error a driver error stands for, or the error itself when it is none of the above. */
export function namedFault(error: unknown, path: string): unknown {
  if (error instanceof StoreFullError || error instanceof StoreCorruptError) return error;
  if (isDiskFull(error)) return new StoreFullError(path, { cause: error });
  if (isCorruption(error)) return new StoreCorruptError(path, `${(error as Error).message}, ${codeOf(error)}`, { cause: error });
  return error;
}

/**
 * Whether the file begins as a SQLite database does: SQLITE_NOTADB for such a file means a
 * damaged header; for any other file, that it is not a database at all (a wrong store URL).
 */
export function startsAsSqlite(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
