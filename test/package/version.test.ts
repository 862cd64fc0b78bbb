/** `baton --version` and `-V` print package.json's version: the one place it is written. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runBaton } from "../cli/cli-kit.js";
import { tempDir } from "../helpers/temp-store.js";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("baton --version", () => {
  it.each(["--version", "-V"])("prints package.json's version for %s and exits 0, touching no store", async (flag) => {
    const dir = tempDir("baton-version-");
    const result = await runBaton([flag], { cwd: dir });
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
