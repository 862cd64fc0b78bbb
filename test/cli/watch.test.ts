/**
 * `baton dev --watch` as a real process, on a functions module in a temp directory: a change
 * reloads the worker without losing the instance in flight and on the same API port, a module
 * that fails to load keeps the old code until the next save, a changed orchestration with
 * instances in flight is warned about, a function added later takes the work waiting for it,
 * and SIGTERM stops everything with exit 0.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";
import { BATON_INDEX, EXIT, spawnBaton, startOverHttp, waitOverHttp } from "./cli-kit.js";

const TIMEOUT = 300_000;

/** The module: Shout (its body given), Waiter (waits for "go", shouts its data; `waiterExtra` goes first), Typo (calls "Later"). */
function module(shout: string, options: { waiterExtra?: string; later?: boolean; broken?: boolean } = {}): string {
  return `import { activity, orchestration } from ${JSON.stringify(BATON_INDEX)};

export const shout = activity("Shout", async (text: string) => ${shout});
export const waiter = orchestration("Waiter", async (ctx) => {
  ${options.waiterExtra ?? ""}
  const text = await ctx.waitForExternalEvent<string>("go");
  return ctx.callActivity(shout, text);
});
export const typo = orchestration("Typo", async (ctx) => ctx.callActivity("Later", "x"));
${options.later ? `export const later = activity("Later", async (text: string) => \`later \${text}\`);` : ""}
${options.broken ? "export const broken = (;" : ""}
`;
}

async function raise(api: string, instanceId: string, event: string, data: unknown): Promise<void> {
  const response = await fetch(`${api}/api/instances/${instanceId}/raiseEvent/${event}`, { method: "POST", body: JSON.stringify(data) });
  if (response.status !== 202) throw new Error(`raise answered ${response.status}: ${await response.text()}`);
}

/** Matches the `n`th occurrence of `text` in the output. */
const nth = (text: string, n: number): RegExp => new RegExp(`(?:[\\s\\S]*?${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}){${n}}`);

describe("baton dev --watch", () => {
  it("reloads on change, keeps the instance in flight and the port, survives a syntax error, warns about changed orchestrations in flight", async () => {
    const dir = tempDir("baton-cli-watch-");
    mkdirSync(join(dir, "src"));
    const file = join(dir, "src", "functions.ts");
    writeFileSync(file, module("text.toUpperCase()"));
    const dev = spawnBaton(["dev", "src/functions.ts", "--watch", "--port", "0"], { cwd: dir });
    const api = await dev.apiUrl();
    expect(dev.stdout.split("\n")[0]).toMatch(/^baton dev: 3 functions on sqlite:\.\/baton\.db, API at http:\/\/127\.0\.0\.1:\d+\/api$/);
    await dev.waitFor(/^baton dev: watching src for changes \(Ctrl-C stops\)$/m);

    // An instance waits for its event; the activity it will call changes meanwhile.
    await startOverHttp(api, "Waiter", "w-1", null);
    await dev.waitFor(/w-1 Waiter {2}started Waiter/);
    writeFileSync(file, module("`${text}?`"));
    await dev.waitFor(/^baton dev: changed src\/functions\.ts$/m);
    await dev.waitFor(/^baton dev: reloading: changed activity Shout \(running work may take up to 30000 ms to finish\)…$/m);
    await dev.waitFor(nth("baton dev: reloaded\n", 1));
    // Same port; the new worker carries on with the instance and runs the new activity.
    await raise(api, "w-1", "go", "hi");
    expect(await waitOverHttp(api, "w-1")).toMatchObject({ runtimeStatus: "Completed", output: "hi?" });
    // The API's metrics carry what the worker process recorded, asked over its IPC channel.
    const metrics = await (await fetch(`${api}/api/metrics`)).text();
    expect(metrics).toContain('baton_activity_attempts_total{activity="Shout",outcome="completed"} 1\n');
    expect(metrics).toContain('baton_instances{status="Completed"} 1\n');

    // A syntax error: said, the old code keeps running; the next save reloads.
    writeFileSync(file, module("`${text}?`", { broken: true }));
    await dev.waitFor(/^baton dev: the functions failed to load; the previous code keeps running until a save fixes it:\n {2}\S.*\n(?: {2}.*\n)*/m);
    await dev.waitFor(/ERROR: Unexpected/);
    await startOverHttp(api, "Waiter", "w-2", null);
    await dev.waitFor(/w-2 Waiter {2}started Waiter/);
    writeFileSync(file, module("`${text}!`"));
    await dev.waitFor(nth("baton dev: reloaded\n", 2));

    // The orchestration changes while w-2 is in flight: a warning naming it and the count.
    writeFileSync(file, module("`${text}!`", { waiterExtra: 'ctx.log.info("waiting");' }));
    const [warning] = await dev.waitFor(/^baton dev: warning: orchestration "Waiter" changed while .*$/m);
    expect(warning).toContain('orchestration "Waiter" changed while 1 instance is in flight (Pending, Running or Suspended)');
    expect(warning).toContain("ctx.patched(");
    await dev.waitFor(/^baton dev: reloading: changed orchestration Waiter /m);
    await dev.waitFor(nth("baton dev: reloaded\n", 3));
    await raise(api, "w-2", "go", "yo");
    expect(await waitOverHttp(api, "w-2")).toMatchObject({ runtimeStatus: "Completed", output: "yo!" });

    // Only the module's saves were changes (the store's files beside it never are).
    expect(dev.stdout.match(/^baton dev: changed .*$/gm)).toEqual(Array(4).fill("baton dev: changed src/functions.ts"));
    dev.signal("SIGTERM");
    const exit = await dev.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: EXIT.OK, signal: null });
    expect(exit.stdout.trimEnd().split("\n").slice(-2)).toEqual(["baton dev: stopping (running work may take up to 30000 ms)…", "baton dev: stopped"]);
  }, TIMEOUT);

  it("says which function no worker hosts, and that it is hosted once a reload adds it; the waiting instance then completes", async () => {
    const dir = tempDir("baton-cli-watch-unhosted-");
    const file = join(dir, "functions.ts");
    writeFileSync(file, module("text"));
    const dev = spawnBaton(["dev", "functions.ts", "--watch", "--port", "0"], { cwd: dir });
    const api = await dev.apiUrl();
    await dev.waitFor(/^baton dev: watching \. for changes/m);
    await startOverHttp(api, "Typo", "t-1", null);
    await dev.waitFor(/^baton dev: t-1 waits for activity "Later", which no running worker hosts\. /m);
    writeFileSync(file, module("text", { later: true }));
    await dev.waitFor(/^baton dev: reloading: added activity Later /m);
    await dev.waitFor(/^baton dev: activity "Later" is hosted now: the work waiting for it goes on\.$/m);
    expect(await waitOverHttp(api, "t-1")).toMatchObject({ runtimeStatus: "Completed", output: "later x" });
    // The store (baton.db, -wal, -shm) lives in the watched directory: its writes are no change.
    expect(dev.stdout.match(/^baton dev: changed .*$/gm)).toEqual(["baton dev: changed functions.ts"]);
    dev.signal("SIGTERM");
    expect((await dev.exited).code).toBe(EXIT.OK);
  }, TIMEOUT);
});
