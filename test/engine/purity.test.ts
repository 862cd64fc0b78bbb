/**
 * A lint rule, run as a test: the engine is pure. Its files import only other engine files,
 * `../definitions/` and `../errors.js` (never node: modules, packages, store/, worker/ or
 * client/), and never reach the clock, timers, randomness or the process themselves — all of
 * that comes through ctx and the run's environment.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ENGINE_DIR = fileURLToPath(new URL("../../src/engine/", import.meta.url));

const FORBIDDEN_CODE: [RegExp, string][] = [
  [/\bsetTimeout\b/, "setTimeout"],
  [/\bsetInterval\b/, "setInterval"],
  [/\bsetImmediate\b/, "setImmediate"],
  [/\bDate\s*\.\s*now\b/, "Date.now"],
  [/\bnew\s+Date\s*\(\s*\)/, "new Date() without an argument"],
  [/\bnew\s+Date\b(?!\s*\()/, "new Date without an argument"],
  [/(?<!\bnew\s+)(?<![.\w$])Date\s*\(/, "Date() called as a function"],
  [/\bMath\s*\.\s*random\b/, "Math.random"],
  [/\bprocess\b/, "process"],
  [/\bperformance\s*\.\s*now\b/, "performance.now"],
  [/\bcrypto\b/, "crypto"],
  [/\brequire\s*\(/, "require()"],
];

type Mode = "code" | "line" | "block" | "'" | '"' | "`" | "regex";

/**
 * Blanks comments (always) and the contents of string, template and regex literals (when
 * `blankLiterals`), keeping `${...}` expressions inside templates as code. Line breaks stay,
 * so positions keep their line numbers.
 */
function stripSource(source: string, blankLiterals: boolean): string {
  let out = "";
  let mode: Mode = "code";
  const templateDepth: number[] = []; // brace depth at which each open `${` returns to its template
  let braces = 0;
  let inClass = false;
  const keep = (ch: string) => (out += ch);
  const blank = (ch: string) => (out += ch === "\n" ? "\n" : " ");
  const literal = (ch: string) => (blankLiterals ? blank(ch) : keep(ch));

  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    const next = source[i + 1];
    switch (mode) {
      case "code":
        if (ch === "/" && next === "/") {
          mode = "line";
          blank(ch);
        } else if (ch === "/" && next === "*") {
          mode = "block";
          blank(ch);
        } else if (ch === "/" && startsRegex(out)) {
          mode = "regex";
          inClass = false;
          keep(ch);
        } else if (ch === "'" || ch === '"' || ch === "`") {
          mode = ch;
          keep(ch);
        } else if (ch === "{") {
          braces++;
          keep(ch);
        } else if (ch === "}" && templateDepth.length > 0 && templateDepth.at(-1) === braces) {
          templateDepth.pop();
          mode = "`";
          keep(ch);
        } else {
          if (ch === "}") braces--;
          keep(ch);
        }
        break;
      case "line":
        if (ch === "\n") {
          mode = "code";
          keep(ch);
        } else blank(ch);
        break;
      case "block":
        if (ch === "*" && next === "/") {
          blank(ch);
          blank(next);
          i++;
          mode = "code";
        } else blank(ch);
        break;
      case "'":
      case '"':
        if (ch === "\\") {
          literal(ch);
          if (next !== undefined) literal(next);
          i++;
        } else if (ch === mode) {
          mode = "code";
          keep(ch);
        } else literal(ch);
        break;
      case "`":
        if (ch === "\\") {
          literal(ch);
          if (next !== undefined) literal(next);
          i++;
        } else if (ch === "`") {
          mode = "code";
          keep(ch);
        } else if (ch === "$" && next === "{") {
          keep(ch);
          keep(next);
          i++;
          templateDepth.push(braces);
          mode = "code";
        } else literal(ch);
        break;
      case "regex":
        if (ch === "\\") {
          literal(ch);
          if (next !== undefined) literal(next);
          i++;
        } else if (ch === "[") {
          inClass = true;
          literal(ch);
        } else if (ch === "]") {
          inClass = false;
          literal(ch);
        } else if (ch === "/" && !inClass) {
          mode = "code";
          keep(ch);
        } else literal(ch);
        break;
    }
  }
  return out;
}

/** A `/` starts a regex literal (not a division) after an operator, a bracket or nothing. */
function startsRegex(before: string): boolean {
  const trimmed = before.trimEnd();
  if (trimmed.length === 0) return true;
  if (/\b(return|typeof|case|in|of|void|throw|new|delete)$/.test(trimmed)) return true;
  return /[(,=:[!&|?{};+\-*%<>~^]$/.test(trimmed);
}

/** Every module a source refers to: static, type-only, side-effect, re-export and import() forms. */
function moduleSpecifiers(source: string): string[] {
  const code = stripSource(source, false);
  const patterns = [
    /\bimport\s+(?:type\s+)?[\w$*{}\s,]*?\bfrom\s*(['"])([^'"]*)\1/g,
    /\bimport\s*(['"])([^'"]*)\1/g,
    /\bexport\s+(?:type\s+)?[\w$*{}\s,]*?\bfrom\s*(['"])([^'"]*)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`]*)\1\s*\)/g,
  ];
  const found: string[] = [];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[2]!);
  return found;
}

function isAllowedSpecifier(specifier: string): boolean {
  const segments = specifier.split("/");
  if (specifier.startsWith("./")) return !segments.slice(1).includes("..");
  if (specifier.startsWith("../definitions/")) return !segments.slice(2).includes("..") && segments.length > 2;
  return specifier === "../errors.js";
}

/** The purity violations of one engine source file; empty when it is pure. */
function purityViolations(source: string): string[] {
  const violations: string[] = [];
  for (const specifier of moduleSpecifiers(source)) {
    if (!isAllowedSpecifier(specifier)) violations.push(`imports "${specifier}"`);
  }
  const code = stripSource(source, true);
  // import() with anything but a plain string cannot be checked: refuse it.
  if (/\bimport\s*\(\s*(?!['"`])/.test(code)) violations.push("uses import() with a computed module name");
  const lines = code.split("\n");
  for (const [pattern, what] of FORBIDDEN_CODE) {
    const line = lines.findIndex((l) => pattern.test(l));
    if (line >= 0) violations.push(`uses ${what} (line ${line + 1})`);
  }
  return violations;
}

function engineFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return engineFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

describe("the engine is pure", () => {
  const files = engineFiles(ENGINE_DIR);

  it("finds the engine's files", () => {
    const names = files.map((f) => relative(ENGINE_DIR, f));
    expect(names).toEqual(expect.arrayContaining(["orchestration-run.ts", "orchestration-context.ts", "history-event.ts", "command.ts"]));
  });

  it.each(files.map((f) => [relative(ENGINE_DIR, f), f]))("%s imports only engine, definitions and errors, and uses no clock, timer, randomness or process", (_name, path) => {
    expect(purityViolations(readFileSync(path, "utf8"))).toEqual([]);
  });

  it("reads the imports of the real files", () => {
    const specifiers = moduleSpecifiers(readFileSync(join(ENGINE_DIR, "orchestration-run.ts"), "utf8"));
    expect(specifiers).toEqual(expect.arrayContaining(["../definitions/payload.js", "../errors.js", "./command.js", "./orchestration-context.js"]));
    // command.ts refers to a type through an import() type expression.
    expect(moduleSpecifiers(readFileSync(join(ENGINE_DIR, "command.ts"), "utf8"))).toContain("./history-event.js");
  });

  it("would fail if a real engine file gained a forbidden import or call", () => {
    const real = readFileSync(join(ENGINE_DIR, "orchestration-run.ts"), "utf8");
    expect(purityViolations(real)).toEqual([]);
    const withImport = 'import { setTimeout as wait } from "node:timers/promises";\n' + real;
    expect(purityViolations(withImport)).toContain('imports "node:timers/promises"');
    const withStore = real.replace(/^import /m, 'import type { Store } from "../store/store.js";\nimport ');
    expect(purityViolations(withStore)).toContain('imports "../store/store.js"');
    const withClock = real + "\nexport const startedAt = Date.now();\n";
    expect(purityViolations(withClock)).toEqual([expect.stringMatching(/^uses Date\.now \(line \d+\)$/)]);
  });
});

describe("the purity checker", () => {
  it.each([
    ['import { readFileSync } from "node:fs";', 'imports "node:fs"'],
    ["import fs from 'fs';", 'imports "fs"'],
    ['import * as path from "path";', 'imports "path"'],
    ['import Database from "better-sqlite3";', 'imports "better-sqlite3"'],
    ['import type { Store } from "../store/store.js";', 'imports "../store/store.js"'],
    ['import { Worker } from "../worker/worker.js";', 'imports "../worker/worker.js"'],
    ['import { createClient } from "../client/client.js";', 'imports "../client/client.js"'],
    ['export { armFault } from "../observability/fault-points.js";', 'imports "../observability/fault-points.js"'],
    ['export * from "../store/store.js";', 'imports "../store/store.js"'],
    ['import "../worker/side-effect.js";', 'imports "../worker/side-effect.js"'],
    ['const m = await import("../client/client.js");', 'imports "../client/client.js"'],
    ['type S = import("../store/store.js").Store;', 'imports "../store/store.js"'],
    ['import { x } from "./../store/store.js";', 'imports "./../store/store.js"'],
    ['import { x } from "../definitions/../worker/worker.js";', 'imports "../definitions/../worker/worker.js"'],
    ['import {\n  randomUUID,\n  createHash,\n} from "node:crypto";', 'imports "node:crypto"'],
    ["const name = 'x'; const m = await import(name);", "uses import() with a computed module name"],
    ['const os = require("os");', "uses require() (line 1)"],
    ["setTimeout(() => wake(), 10);", "uses setTimeout (line 1)"],
    ["const t = setInterval(tick, 5);", "uses setInterval (line 1)"],
    ["await new Promise((r) => setImmediate(r));", "uses setImmediate (line 1)"],
    ["const now = Date.now();", "uses Date.now (line 1)"],
    ["const now = new Date();", "uses new Date() without an argument (line 1)"],
    ["const now = new Date;", "uses new Date without an argument (line 1)"],
    ["const text = Date();", "uses Date() called as a function (line 1)"],
    ["const r = Math.random();", "uses Math.random (line 1)"],
    ["const env = process.env.BATON;", "uses process (line 1)"],
    ["const t = performance.now();", "uses performance.now (line 1)"],
    ["const id = crypto.randomUUID();", "uses crypto (line 1)"],
    ["const label = `at ${Date.now()} ms`;", "uses Date.now (line 1)"],
    ["const label = `a ${`b ${Math.random()}`}`;", "uses Math.random (line 1)"],
    ["// fine\nconst a = 1;\nif (a) { setTimeout(f, 0); }", "uses setTimeout (line 3)"],
  ])("flags %j", (source, violation) => {
    expect(purityViolations(source)).toContain(violation);
  });

  it.each([
    'import type { Task } from "../definitions/task.js";',
    'import { DurableTask } from "./durable-task.js";',
    'import { NonDeterminismError, type ErrorDetails } from "../errors.js";',
    'export type { Command } from "./command.js";',
    'type H = import("./history-event.js").HistoryEvent;',
    "const at = new Date(run.nowMs);",
    "const at = new Date( fireAtMs );",
    "if (!(fireAt instanceof Date)) throw new Error('bad');",
    "const ms = fireAt.getDate();",
    "// the worker passes a setImmediate; we never call Date.now() or Math.random() here",
    "/* process.exit(); new Date(); */ const a = 1;",
    'const message = "this process uses setTimeout and Math.random()";',
    "const message = 'new Date() is not allowed';",
    "const label = `step ${seq}: process ${name} at Date.now`;",
    "function processImage(file: string) { return file; }",
    "const ratio = total / count / 2; const re = /process|Date\\.now/g;",
  ])("accepts %j", (source) => {
    expect(purityViolations(source)).toEqual([]);
  });

  it("keeps comments and strings out of the code it checks", () => {
    const stripped = stripSource('const a = "setTimeout"; // Math.random()\nconst b = `x${y}z`; /* process */', true);
    expect(stripped).not.toMatch(/setTimeout|Math\.random|process/);
    expect(stripped).toContain("const a =");
    expect(stripped).toContain("${y}");
    expect(stripped.split("\n")).toHaveLength(2);
  });
});
