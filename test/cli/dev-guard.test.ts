/**
 * `baton dev --guard`: the dev worker runs orchestration code inside the determinism guard.
 * Reading the clock there stalls the episode with NONDETERMINISTIC_CALL; activities, which may
 * read it, run as usual.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { BATON_INDEX, spawnBaton, startOverHttp, waitOverHttp } from "./cli-kit.js";

/** Generous: on a loaded machine one process may take half a minute to start. */
const TIMEOUT = 180_000;

function writeClockFunctions(dir: string): void {
  writeFileSync(
    join(dir, "functions.ts"),
    `import { activity, orchestration } from ${JSON.stringify(BATON_INDEX)};

export const stamp = activity("Stamp", async (name: string) => \`\${name} at \${typeof Date.now()}\`);
export const stamped = orchestration("Stamped", async (ctx, name: string) => ctx.callActivity(stamp, name));
export const clocky = orchestration("Clocky", async () => Date.now());
`,
  );
}

describe("baton dev --guard", () => {
  it(
    "stalls orchestration code that reads the clock, naming the replacement; activities still read it",
    async () => {
      const dir = tempDir("baton-cli-guard-");
      writeClockFunctions(dir);
      const dev = spawnBaton(["dev", "functions.ts", "--port", "0", "--guard"], { cwd: dir });
      const api = await dev.apiUrl();

      await startOverHttp(api, "Stamped", "s-1", "Ada");
      expect(await waitOverHttp(api, "s-1")).toMatchObject({ runtimeStatus: "Completed", output: "Ada at number" });

      await startOverHttp(api, "Clocky", "c-1", null);
      await waitUntil(() => (dev.stderr.includes("NONDETERMINISTIC_CALL") ? true : undefined), "the episode to stall", 60_000);
      // The reason is a quoted field of the log line: its own quotes come escaped.
      expect(dev.stderr).toContain('Date.now() inside orchestration \\"Clocky\\" is not deterministic: use ctx.currentUtcDateTime');
    },
    TIMEOUT,
  );
});
