/**
 * The test kit works under jest too (ES modules through node's vm modules, TypeScript through
 * esbuild): no global is patched, nothing depends on vitest.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const JEST = fileURLToPath(new URL("../../node_modules/jest/bin/jest.js", import.meta.url));

it("runs test environments under jest", async () => {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ["--experimental-vm-modules", "--no-warnings=ExperimentalWarning", JEST, "--config", "test/testing/runners/jest.config.cjs", "--ci"],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
  );
  // jest reports on stderr.
  expect(stderr).toMatch(/✓ a 7-day timer completes on the virtual clock/);
  expect(stderr).toMatch(/✓ two environments keep their own clocks in one process/);
  expect(stderr).toMatch(/Tests:\s+2 passed, 2 total/);
}, 120_000);
