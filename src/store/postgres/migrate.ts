import { SchemaTooNewError, StoreUnavailableError } from "../../errors.js";
import { quoteIdent, type Connection } from "./connection.js";
import { MIGRATIONS } from "./migrations/index.js";

/**
 * Brings the store's schema up to date. Processes that start at once take turns on an advisory
 * lock held for the transaction, so the second finds nothing left to do. A schema newer than
 * this code, or one that holds tables but is not a Baton store, is refused before anything is
 * written.
 */
export async function migrate(connection: Connection, now: number): Promise<void> {
  const { schema } = connection.options;
  await connection.transaction(async (sql) => {
    await sql.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`batonjs:migrate:${schema}`]);
    const tables = await sql.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    );
    const names = tables.rows.map((row) => row.table_name);
    let current = 0;
    if (names.length > 0) {
      if (!names.includes("schema_migrations")) {
        throw new StoreUnavailableError(
          `Schema "${schema}" holds tables but is not a Baton store (no schema_migrations). Choose another schema with ?schema=… in the store URL.`,
        );
      }
      const row = await sql.query<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations");
      current = row.rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length) throw new SchemaTooNewError(current, MIGRATIONS.length);
    }
    if (current === MIGRATIONS.length) return;
    // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists.
    const exists = await sql.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (exists.rowCount === 0) await sql.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    // The schema is chosen by a startup parameter; a pooler that drops it would put the tables elsewhere.
    const chosen = await sql.query<{ schema: string | null }>("SELECT current_schema() AS schema");
    if (chosen.rows[0]?.schema !== schema) {
      throw new StoreUnavailableError(
        `The connection's search_path did not select schema "${schema}" (got ${JSON.stringify(chosen.rows[0]?.schema)}). ` +
          `A connection pooler may drop the "options" startup parameter: connect directly, or let the pooler pass it.`,
      );
    }
    await sql.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await sql.query(MIGRATIONS[version - 1]!);
      await sql.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [version, now]);
    }
  }, { ambiguousCommitSafe: true, retryForMs: OPEN_RETRY_MS });
}

/** At open, a server that does not answer is more often a wrong URL than a restart: fail sooner. */
const OPEN_RETRY_MS = 5000;
