/**
 * `baton start` refuses a bad configuration before it opens the store: exit code 2, one clear
 * line on stderr naming the key, variable or file and the fix, and no store file created.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";
import { EXIT, REPO_ROOT, runBaton, writeFunctions } from "./cli-kit.js";

interface Case {
  label: string;
  /** Files to write into the directory (functions.ts is always there). */
  files?: Record<string, string>;
  args?: string[];
  env?: Record<string, string>;
  /** What stderr must contain. */
  says: (string | RegExp)[];
}

const CASES: Case[] = [
  {
    label: "unknown key",
    files: { "baton.config.json": JSON.stringify({ stroe: "sqlite:./app.db", functions: "./functions.ts" }) },
    says: ['baton.config.json: unknown key "stroe". Did you mean "store"?', "Known keys: store, functions,"],
  },
  {
    label: "wrong type, in baton.config.ts",
    files: {
      "baton.config.ts": `import { defineConfig } from ${JSON.stringify(join(REPO_ROOT, "src/host/config.ts"))};
export default defineConfig({ functions: "./functions.ts", http: { port: "8080" as never } });
`,
    },
    says: ['baton.config.ts: http.port must be a whole number, got "8080".'],
  },
  {
    label: "bad environment variable",
    files: { "baton.config.json": JSON.stringify({ functions: "./functions.ts" }) },
    env: { BATON_HTTP_PORT: "eighty" },
    says: ['BATON_HTTP_PORT must be a whole number, got "eighty".'],
  },
  {
    label: "a lease no clock can reach, in baton.config.json",
    files: { "baton.config.json": JSON.stringify({ functions: "./functions.ts", leaseMs: 1e300 }) },
    says: ["baton.config.json: leaseMs must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got 1e+300."],
  },
  {
    label: "a poll interval longer than 100 years, in the environment",
    files: { "baton.config.json": JSON.stringify({ functions: "./functions.ts" }) },
    env: { BATON_POLL_INTERVAL_MS: "99999999999999999999" },
    says: ["BATON_POLL_INTERVAL_MS must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got 100000000000000000000."],
  },
  {
    label: "two config files",
    files: { "baton.config.json": "{}", "baton.config.mjs": "export default {};\n" },
    says: [/Found 2 config files \(.*baton\.config\.mjs, .*baton\.config\.json\): keep one, or choose with --config\./],
  },
  {
    label: "missing functions module",
    args: ["./missing.ts"],
    says: [/The functions module \/.*\/missing\.ts does not exist\./],
  },
  {
    label: "module exporting no definitions",
    files: { "nothing.ts": "export const answer = 42;\nexport default { answer };\n" },
    args: ["./nothing.ts"],
    says: [/\/nothing\.ts exports no activity\(\) or orchestration\(\) definitions/],
  },
  {
    label: "host 0.0.0.0 without a token",
    args: ["functions.ts", "--host", "0.0.0.0"],
    says: ["Binding the HTTP API to 0.0.0.0 needs a token"],
  },
];

it("refuses each bad configuration with exit code 2, a message naming the problem, and no store file", async () => {
  const runs = CASES.map(async (c) => {
    const dir = tempDir("baton-cli-config-");
    writeFunctions(dir);
    for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), text);
    const before = readdirSync(dir).sort();
    const exit = await runBaton(["start", ...(c.args ?? []), "--port", "0"], { cwd: dir, env: c.env ?? {}, timeoutMs: 150_000 });
    return { c, exit, before, after: readdirSync(dir).sort() };
  });
  for (const { c, exit, before, after } of await Promise.all(runs)) {
    expect({ case: c.label, code: exit.code, stdout: exit.stdout }).toEqual({ case: c.label, code: EXIT.USAGE, stdout: "" });
    expect(exit.stderr, c.label).toMatch(/^baton: INVALID_ARGUMENT: /);
    expect(exit.stderr.trimEnd().split("\n"), `${c.label}: one line`).toHaveLength(1);
    for (const text of c.says) {
      if (typeof text === "string") expect(exit.stderr, c.label).toContain(text);
      else expect(exit.stderr, c.label).toMatch(text);
    }
    expect(after, `${c.label}: no file written`).toEqual(before);
  }
}, 180_000);

it("refuses a --stop-timeout longer than 100 years when the command starts, not when it stops", async () => {
  const dir = tempDir("baton-cli-stop-timeout-");
  writeFunctions(dir);
  const before = readdirSync(dir).sort();
  const exit = await runBaton(["start", "functions.ts", "--port", "0", "--stop-timeout", "99999999999999999999"], { cwd: dir, env: {}, timeoutMs: 150_000 });
  expect({ code: exit.code, stdout: exit.stdout }).toEqual({ code: EXIT.USAGE, stdout: "" });
  expect(exit.stderr).toContain("--stop-timeout");
  expect(exit.stderr).toContain("longer than 100 years: 99999999999999999999 (at most 3155760000000 ms)");
  expect(readdirSync(dir).sort()).toEqual(before);
}, 180_000);
