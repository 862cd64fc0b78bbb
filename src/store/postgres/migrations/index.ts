import initial from "./001-initial.js";

/** PostgreSQL migrations in order: version n is MIGRATIONS[n - 1]. */
export const MIGRATIONS: readonly string[] = [initial];
