/** Managing never creates a store: a mistyped SQLite path is an error (exit 5), and no file appears. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { tempDir } from "../helpers/temp-store.js";

it("status, list and purge on a SQLite path with no store exit 5 and create nothing", async () => {
  const path = join(tempDir(), "typo.db");
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    for (const args of [["status", "a"], ["list"], ["purge", "--status", "Completed"]]) {
      expect(await main(["--store", `sqlite:${path}`, ...args]), args.join(" ")).toBe(EXIT.UNAVAILABLE);
      expect(existsSync(path)).toBe(false);
    }
    expect(stderr.mock.calls.map((call) => String(call[0])).join("")).toMatch(/No store at .*typo\.db/);
  } finally {
    stderr.mockRestore();
  }
});
