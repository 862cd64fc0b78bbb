/**
 * Runs once around the whole test run: names the run (so its PostgreSQL schemas can be told
 * apart from another run's), builds the dashboard's files into dist/ui/ (createDashboard serves
 * them, run from sources too) and drops every schema the run left behind.
 */
import pg from "pg";
import { buildUi } from "../scripts/build-ui.mjs";

const POSTGRES_URL = process.env.BATON_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function setup(): Promise<() => Promise<void>> {
  // Each project runs this setup; they share the run's name.
  const run = (process.env.BATON_TEST_RUN ??= Date.now().toString(36));
  await buildUi({ quiet: true });
  return async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const schemas = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", [
        `baton_t_${run}_%`,
      ]);
      for (const { nspname } of schemas.rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    } catch {
      // No server: nothing was created on it.
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}
