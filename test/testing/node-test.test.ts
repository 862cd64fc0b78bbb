/**
 * The test kit works under node:test too: no global is patched, nothing depends on vitest.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const FILE = fileURLToPath(new URL("./runners/node-test.ts", import.meta.url));

it("runs a test environment under node --test", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", FILE], { encoding: "utf8" });
  expect(stdout).toMatch(/^ok 1 - a 7-day timer completes on the virtual clock/m);
  expect(stdout).toMatch(/^# fail 0$/m);
});
