/**
 * A lint rule, run as a test: imports between the folders of src/ go one way. The engine is
 * pure; definitions depend on nothing that runs; the store knows neither its client nor its
 * worker; client and worker do not know each other; the HTTP API talks through the client;
 * host/ alone wires worker, client and store; nothing imports the command line. And a process
 * that only manages instances (createClient, the CLI's management commands) loads no worker code.
 *
 * Type-only imports count like the others: a type from another folder still ties this folder's
 * shape to that one (the worker's CompletionNotifier typed the client's options). Only the
 * "loads no worker code" check ignores them, since they are erased and load nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importedOnlyBy, importsOf, loadedBy, never, only, violations, type Exception, type Rule } from "./imports.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

const RULES: readonly Rule[] = [
  only("engine/", ["engine/", "definitions/", "errors.ts"], "The engine replays history: pure, no I/O (no store, worker, timers, packages or node: modules)."),
  only("definitions/", ["definitions/", "errors.ts"], "Definitions are what users write; they depend on nothing that runs them."),
  only("support/", ["support/", "errors.ts"], "Support pieces are shared by the worker and the client, so they import neither."),
  never("store/", ["worker/", "client/", "host/", "http/", "cli/"], "A store serves the client and the worker and knows neither."),
  never("client/", ["worker/", "host/", "http/", "cli/"], "A client works in a process that runs no worker."),
  never("worker/", ["client/", "host/", "http/", "cli/"], "The worker talks to the store, not through the client."),
  never("http/", ["worker/", "engine/", "store/", "host/", "cli/"], "The HTTP API talks through the client it is given."),
  // testing/ (a shipped test environment, when it comes) may use anything, as STYLE.md says.
  importedOnlyBy("host/", ["cli/", "index.ts", "testing/"], "host/ wires worker, client and store together: only the entry points use it."),
  importedOnlyBy("cli/", [], "The command line is an end, not a library."),
];

/**
 * Imports a rule refuses but that stay, each with its reason. None today: when one must be
 * added, name the file and the import, and say why moving the code is worse.
 */
const EXCEPTIONS: readonly Exception[] = [];

/** What a process that only manages instances loads first: it must never reach worker/. */
const MANAGEMENT_ENTRIES = ["host/create-client.ts", "cli/main.ts", "cli/admin.ts"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function readSrc(): Map<string, string> {
  return new Map(sourceFiles(SRC).map((path) => [relative(SRC, path).split(sep).join("/"), readFileSync(path, "utf8")]));
}

describe("the import boundaries of src/", () => {
  const files = readSrc();

  it("reads the imports of every file (the check is not vacuous)", () => {
    expect(files.size).toBeGreaterThan(50);
    const imported = new Set([...files].flatMap(([file, source]) => importsOf(file, source).map((i) => i.area)));
    for (const area of ["engine/", "definitions/", "store/", "client/", "worker/", "support/", "host/", "http/", "cli/", "errors.ts"]) {
      expect(imported, `nothing imports ${area}: the parser is missing imports`).toContain(area);
    }
  });

  it("has no import that crosses a boundary", () => {
    expect(violations(files, RULES, EXCEPTIONS)).toEqual([]);
  });

  it("keeps every exception in use (a fixed one is removed from the list)", () => {
    for (const exception of EXCEPTIONS) {
      const imports = importsOf(exception.file, files.get(exception.file) ?? "");
      expect(imports.map((i) => i.specifier), `${exception.file} no longer imports ${exception.specifier}`).toContain(exception.specifier);
    }
  });

  it.each(MANAGEMENT_ENTRIES)("loads no worker code from %s", (entry) => {
    expect(files.has(entry), `${entry} does not exist`).toBe(true);
    const workerFiles = [...loadedBy(files, entry)].filter(([file]) => file.startsWith("worker/"));
    expect(workerFiles.map(([, chain]) => chain.join(" → "))).toEqual([]);
  });
});

describe("the boundary check itself", () => {
  const made = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

  it("names the file, the import and the rule of each crossing", () => {
    const files = made({
      "client/client.ts": 'import type { CompletionNotifier } from "../worker/completion-notifier.js";\n',
      "engine/run.ts": 'import { readFileSync } from "node:fs";\nimport { Store } from "../store/store.js";\n',
      "http/api.ts": 'import { BatonClient } from "../client/client.js";\n',
      "store/store.ts": 'export { main } from "../cli/main.js";\n',
    });
    expect(violations(files, RULES)).toEqual([
      'src/client/client.ts imports "../worker/completion-notifier.js" (worker/): client/ never imports worker/, host/, http/, cli/. A client works in a process that runs no worker.',
      'src/engine/run.ts imports "node:fs" (package node:fs): engine/ imports only engine/, definitions/, errors.ts. The engine replays history: pure, no I/O (no store, worker, timers, packages or node: modules).',
      'src/engine/run.ts imports "../store/store.js" (store/): engine/ imports only engine/, definitions/, errors.ts. The engine replays history: pure, no I/O (no store, worker, timers, packages or node: modules).',
      'src/store/store.ts imports "../cli/main.js" (cli/): store/ never imports worker/, client/, host/, http/, cli/. A store serves the client and the worker and knows neither.',
      'src/store/store.ts imports "../cli/main.js" (cli/): cli/ is imported only from cli/. The command line is an end, not a library.',
    ]);
  });

  it("lets an exception through only for its file and import", () => {
    const files = made({
      "worker/a.ts": 'import { x } from "../client/x.js";\n',
      "worker/b.ts": 'import { x } from "../client/x.js";\n',
    });
    const exceptions = [{ file: "worker/a.ts", specifier: "../client/x.js", why: "a test" }];
    expect(violations(files, RULES, exceptions)).toEqual([
      'src/worker/b.ts imports "../client/x.js" (client/): worker/ never imports client/, host/, http/, cli/. The worker talks to the store, not through the client.',
    ]);
  });

  it("reads multi-line, type-only, re-exporting, side-effect and dynamic imports, and skips comments", () => {
    const source = [
      "/**",
      ' * import { notThis } from "../worker/example.js";',
      " */",
      "import {",
      "  a,",
      "  type B,",
      '} from "./local.js";',
      'import type { C } from "../store/store.js";',
      'import { type D, type E } from "../engine/command.js";',
      'import F, { type G } from "../definitions/f.js";',
      'export * from "../errors.js";',
      'export type { H } from "../host/config.js";',
      'import "../observability/side-effect.js";',
      'const later = await import("./serve-command.js");',
    ].join("\n");
    expect(importsOf("cli/main.ts", source).map((i) => [i.specifier, i.target, i.area, i.typeOnly, i.dynamic])).toEqual([
      ["./local.js", "cli/local.ts", "cli/", false, false],
      ["../store/store.js", "store/store.ts", "store/", true, false],
      ["../engine/command.js", "engine/command.ts", "engine/", true, false],
      ["../definitions/f.js", "definitions/f.ts", "definitions/", false, false],
      ["../errors.js", "errors.ts", "errors.ts", false, false],
      ["../host/config.js", "host/config.ts", "host/", true, false],
      ["../observability/side-effect.js", "observability/side-effect.ts", "observability/", false, false],
      ["./serve-command.js", "cli/serve-command.ts", "cli/", false, true],
    ]);
  });

  it("follows what loading a file loads, but not type-only or dynamic imports", () => {
    const files = made({
      "cli/main.ts": 'import { admin } from "./admin.js";\nconst serve = () => import("./serve.js");\n',
      "cli/admin.ts": 'import type { Worker } from "../worker/worker.js";\nimport { createClient } from "../host/create-client.js";\n',
      "cli/serve.ts": 'import { createBaton } from "../host/create-baton.js";\n',
      "host/create-client.ts": 'import { BatonClient } from "../client/client.js";\n',
      "host/create-baton.ts": 'import { Worker } from "../worker/worker.js";\n',
    });
    expect([...loadedBy(files, "cli/main.ts").keys()]).toEqual(["cli/main.ts", "cli/admin.ts", "host/create-client.ts", "client/client.ts"]);
    expect(loadedBy(files, "cli/serve.ts").get("worker/worker.ts")).toEqual(["cli/serve.ts", "host/create-baton.ts", "worker/worker.ts"]);
  });
});
