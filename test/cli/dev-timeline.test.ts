/**
 * `baton dev`'s timeline as a real process prints it: an instance's events with the ctx.log
 * lines of its orchestration and of the activities it runs inline in causal order, and one line
 * per function that work waits for and no running worker hosts.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";
import { BATON_INDEX, spawnBaton, startOverHttp, waitOverHttp } from "./cli-kit.js";

const TIMEOUT = 180_000;

function writeModule(dir: string): void {
  writeFileSync(
    join(dir, "functions.ts"),
    `import { activity, orchestration } from ${JSON.stringify(BATON_INDEX)};

export const greet = activity("Greet", async (name: string, ctx) => {
  ctx.log.info(\`greeting \${name}\`);
  return \`Hello, \${name}!\`;
});
export const hello = orchestration("Hello", async (ctx, name: string) => {
  ctx.log.info("before the call");
  const greeting = await ctx.callActivity(greet, name);
  ctx.log.info("after the call");
  return greeting;
});
export const typo = orchestration("Typo", async (ctx) => ctx.callActivity("Gret", "x"));
`,
  );
}

describe("baton dev's timeline", () => {
  it("prints the instance's start, then the orchestration's log line, the call, the activity's log line, its result, the next log line, the end", async () => {
    const dir = tempDir("baton-cli-timeline-");
    writeModule(dir);
    const dev = spawnBaton(["dev", "functions.ts", "--port", "0"], { cwd: dir });
    const api = await dev.apiUrl();
    for (const id of ["h-1", "h-2"]) {
      await startOverHttp(api, "Hello", id, "Ada");
      expect(await waitOverHttp(api, id)).toMatchObject({ runtimeStatus: "Completed" });
      await dev.waitFor(new RegExp(`${id} Hello {2}completed`));
      const ofInstance = new RegExp(` ${id} |instanceId=${id}( |$)`);
      const lines = dev.stdout.split("\n").filter((line) => ofInstance.test(line));
      expect(lines.map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{3} {1,2}/, ""))).toEqual([
        `${id} Hello  started Hello with "Ada"`,
        `INFO  before the call  instanceId=${id} name=Hello`,
        `${id} Hello  call #0 Greet("Ada")`,
        `INFO  greeting Ada  instanceId=${id} name=Greet seq=0 attempt=1`,
        `${id} Hello  done #0 → "Hello, Ada!"`,
        `INFO  after the call  instanceId=${id} name=Hello`,
        `${id} Hello  completed → "Hello, Ada!"`,
      ]);
    }
  }, TIMEOUT);

  it("says once per function name that work waits for an activity no running worker hosts, naming the instance and the fix", async () => {
    const dir = tempDir("baton-cli-unhosted-");
    writeModule(dir);
    const dev = spawnBaton(["dev", "functions.ts", "--port", "0"], { cwd: dir });
    const api = await dev.apiUrl();
    await startOverHttp(api, "Typo", "t-1", null);
    await dev.waitFor(/t-1 Typo {2}call #0 Gret/);
    const [line] = await dev.waitFor(/^.*waits for activity "Gret".*$/m);
    expect(line).toBe(
      'baton dev: t-1 waits for activity "Gret", which no running worker hosts. Export it from the functions module (check the name\'s spelling), or start a worker that hosts it.',
    );
    // A second instance waiting for the same function: no second line.
    await startOverHttp(api, "Typo", "t-2", null);
    await dev.waitFor(/t-2 Typo {2}call #0 Gret/);
    await startOverHttp(api, "Hello", "h-after", "Bo");
    await waitOverHttp(api, "h-after");
    await dev.waitFor(/h-after Hello {2}completed/);
    expect(dev.stdout.match(/waits for activity "Gret"/g)).toHaveLength(1);
  }, TIMEOUT);
});
