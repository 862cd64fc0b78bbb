import { readMigrations } from "../../migration-files.js";

/** PostgreSQL migrations in order (the .sql files of this folder): version n is MIGRATIONS[n - 1]. */
export const MIGRATIONS: readonly string[] = readMigrations(new URL("./", import.meta.url));
