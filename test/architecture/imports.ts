/**
 * The import graph of src/, read from the text of its files (no compiler needed): every
 * `import … from`, `export … from`, side-effect `import "x"` and dynamic `import("x")`, with
 * whether it is type-only (erased at run time) and where it lands. The boundary rules and the
 * check that walks what a process loads are built on it.
 *
 * Files are named by their path under src/ ("client/client.ts"); an area is a folder under
 * src/ with its slash ("client/") or a file at its top ("errors.ts"); an import of a package
 * or a node: module lands in the area "package <name>".
 */
import { posix } from "node:path";

export interface Import {
  /** As written: "../worker/long-timeout.js". */
  specifier: string;
  /** The file it names under src/ ("worker/long-timeout.ts"), or undefined for a package or a path outside src/. */
  target: string | undefined;
  /** The area it lands in: "worker/", "errors.ts", "package node:fs", or "outside src/". */
  area: string;
  /** `import type`, `export type`, or braces holding only `type` names: erased, loads nothing. */
  typeOnly: boolean;
  /** `import("…")`: loaded when the code runs it, not when the file loads. */
  dynamic: boolean;
}

// `import|export [type] <clause> from "x"`, the clause being a name, `* as name`, braces, or a name and one of those.
const FROM = /^[ \t]*(?:import|export)\s+(type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?|[\w$]+))\s*from\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The imports of one file, `file` being its path under src/. */
export function importsOf(file: string, source: string): Import[] {
  const found: Import[] = [];
  for (const [, typeKeyword, clause, specifier] of source.matchAll(FROM)) {
    found.push(landing(file, specifier!, Boolean(typeKeyword) || onlyTypeNames(clause!), false));
  }
  for (const [, specifier] of source.matchAll(SIDE_EFFECT)) found.push(landing(file, specifier!, false, false));
  for (const [, specifier] of source.matchAll(DYNAMIC)) found.push(landing(file, specifier!, false, true));
  return found;
}

/** `{ type A, type B }` imports types only; `{ A, type B }` or `X, { type B }` does not. */
function onlyTypeNames(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]!.split(",").map((name) => name.trim()).filter((name) => name !== "");
  return names.length > 0 && names.every((name) => name.startsWith("type "));
}

function landing(file: string, specifier: string, typeOnly: boolean, dynamic: boolean): Import {
  if (!specifier.startsWith(".")) return { specifier, target: undefined, area: `package ${specifier}`, typeOnly, dynamic };
  const resolved = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, ".ts");
  if (resolved.startsWith("../")) return { specifier, target: undefined, area: "outside src/", typeOnly, dynamic };
  return { specifier, target: resolved, area: areaOf(resolved), typeOnly, dynamic };
}

/** "client/client.ts" → "client/"; "store/sqlite/queries.ts" → "store/"; "errors.ts" → "errors.ts". */
export function areaOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? file : file.slice(0, slash + 1);
}

/** A boundary: which files it governs, which imports of theirs it refuses, and why. */
export interface Rule {
  name: string;
  governs: (area: string) => boolean;
  refuses: (importedArea: string) => boolean;
  why: string;
}

/** An import a rule would refuse but that is accepted for a stated reason. */
export interface Exception {
  file: string;
  specifier: string;
  why: string;
}

/** Files of `area` import only from `allowed` (packages and node: modules included: none unless listed). */
export function only(area: string, allowed: readonly string[], why: string): Rule {
  return { name: `${area} imports only ${allowed.join(", ")}`, governs: (a) => a === area, refuses: (a) => !allowed.includes(a), why };
}

/** Files of `area` never import from `forbidden`. */
export function never(area: string, forbidden: readonly string[], why: string): Rule {
  return { name: `${area} never imports ${forbidden.join(", ")}`, governs: (a) => a === area, refuses: (a) => forbidden.includes(a), why };
}

/** Only files of `importers` (and `area` itself) import from `area`. */
export function importedOnlyBy(area: string, importers: readonly string[], why: string): Rule {
  const allowed = [area, ...importers];
  return { name: `${area} is imported only from ${allowed.join(", ")}`, governs: (a) => !allowed.includes(a), refuses: (a) => a === area, why };
}

/** One line per import that crosses a boundary, naming the file, the import and the rule. */
export function violations(files: ReadonlyMap<string, string>, rules: readonly Rule[], exceptions: readonly Exception[] = []): string[] {
  const found: string[] = [];
  for (const [file, source] of files) {
    const area = areaOf(file);
    for (const imported of importsOf(file, source)) {
      if (exceptions.some((e) => e.file === file && e.specifier === imported.specifier)) continue;
      for (const rule of rules) {
        if (rule.governs(area) && rule.refuses(imported.area)) {
          found.push(`src/${file} imports "${imported.specifier}" (${imported.area}): ${rule.name}. ${rule.why}`);
        }
      }
    }
  }
  return found;
}

/**
 * The files loading `root` loads, each with the chain that reaches it: static imports of values
 * only (type-only imports are erased; a dynamic import waits until the code runs it).
 */
export function loadedBy(files: ReadonlyMap<string, string>, root: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[root, [root]]]);
  const queue = [root];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const imported of importsOf(file, files.get(file) ?? "")) {
      const target = imported.target;
      if (target === undefined || imported.typeOnly || imported.dynamic || chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      queue.push(target);
    }
  }
  return chains;
}
