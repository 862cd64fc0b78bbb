import { execFile } from "node:child_process";
import { readdirSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const root = join(import.meta.dirname, "..", "..");

function runDemo(store: string) {
  return promisify(execFile)("npx", ["tsx", "examples/tour.ts"], {
    cwd: root,
    env: { ...process.env, BATON_STORE: store },
    // A demo that does not exit (a handle left open) fails here. A run takes seconds when the
    // machine is idle and about half a minute when it is loaded: the bound is for a hang.
    timeout: 240_000,
  });
}

/** What backing up the examples folder must copy: the size of every file in it. */
function examplesBytes(): number {
  const dir = join(root, "examples");
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath ?? entry.path, entry.name)).size, 0);
}

describe("the tour of the patterns", () => {
  it("runs every pattern, exits 0, and runs again on the same store", { timeout: 600_000 }, async () => {
    const store = tempStoreUrl();
    for (let run = 1; run <= 2; run++) {
      const { stdout } = await runDemo(store); // rejects on a non-zero exit code
      expect(stdout, `run ${run}`).toContain('Completed: ["Hello Tokyo!","Hello Seattle!","Hello London!"]');
      expect(stdout, `run ${run}`).toContain(`Completed: ${examplesBytes()} bytes copied`);
      expect(stdout, `run ${run}`).toContain("Completed: 73500 bytes in 30 images");
      expect(stdout, `run ${run}`).toContain("at most 10 in flight; NotifyCompletion sent [30]");
      expect(stdout, `run ${run}`).toContain("answered { approved: true }: approved");
      expect(stdout, `run ${run}`).toContain("answered { approved: false }: rejected");
      expect(stdout, `run ${run}`).toContain("got no answer within 300 ms: escalated");
    }

    // Both runs left their six instances, all finished successfully.
    const client = await createClient({ store });
    try {
      const { instances } = await client.list({ pageSize: 100 });
      expect(instances).toHaveLength(12);
      expect(instances.every((i) => i.runtimeStatus === "Completed")).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("the demo module (npm run demo: baton dev examples/functions.ts)", () => {
  it("exports every example's definitions, each once, with unique names", async () => {
    const { loadFunctions } = await import("../../src/cli/load-functions.js");
    const functions = await loadFunctions("examples/functions.ts", root);
    const names = functions.map((fn) => `${fn.kind}:${fn.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ["HelloCities", "BackupSiteContent", "ImageProcessing", "ApprovalWorkflow"]) {
      expect(names).toContain(`orchestration:${name}`);
    }
    expect(functions.length).toBe(17);
  });
});
