import { readMigrations } from "../../migration-files.js";

/** Every migration in order (the .sql files of this folder); the schema version is the length of this list. */
export const MIGRATIONS: readonly string[] = readMigrations(new URL("./", import.meta.url));
