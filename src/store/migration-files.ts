/**
 * Migrations ship as numbered `.sql` files beside each backend's loader (`NNN-name.sql`,
 * copied into dist by the build), read once when the loader is imported. Their text is run
 * exactly as written: a store that already ran a file must find it unchanged.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The `.sql` files of `directory` in order of their numbers, which must run 1, 2, 3… without a gap. */
export function readMigrations(directory: URL): string[] {
  const path = fileURLToPath(directory);
  const files = readdirSync(path)
    .filter((name) => /^\d{3}-.+\.sql$/.test(name))
    .sort();
  files.forEach((name, i) => {
    if (Number(name.slice(0, 3)) !== i + 1) throw new Error(`Migration ${name} in ${path} is out of sequence: expected number ${i + 1}.`);
  });
  return files.map((name) => readFileSync(`${path}/${name}`, "utf8"));
}
