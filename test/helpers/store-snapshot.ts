import Database from "better-sqlite3";

/** Tables of liveness, not data: a running worker's heartbeat rewrites them on its own schedule. */
const LIVENESS_TABLES = ["workers"];

/** Every row of every data table of a SQLite store file, to assert that a rejected call changed nothing. */
export function snapshotSqlite(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
    ).filter(({ name }) => !LIVENESS_TABLES.includes(name));
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all()]));
  } finally {
    db.close();
  }
}

export function pathOfUrl(url: string): string {
  return url.slice("sqlite:".length);
}
