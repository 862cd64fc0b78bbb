/**
 * What `baton dev --watch` compares across reloads: a fingerprint of each definition (its kind,
 * name, the function's source text and its options), so that a reload can say which functions
 * were added, removed or changed. Code a definition calls (an imported helper) is not part of
 * it: a change there reloads without a definition changing.
 */
import { createHash } from "node:crypto";
import type { FunctionDefinition } from "../definitions/orchestration.js";

export interface FunctionPrint {
  kind: "activity" | "orchestration";
  name: string;
  print: string;
}

export function fingerprints(functions: readonly FunctionDefinition[]): FunctionPrint[] {
  return functions.map((fn) => {
    // Options may hold functions (retryIf): their source text stands for them.
    const options = JSON.stringify(fn.options, (_key, value: unknown) => (typeof value === "function" ? String(value) : value));
    const print = createHash("sha256").update([fn.kind, fn.name, String(fn.fn), options ?? ""].join("\0")).digest("hex");
    return { kind: fn.kind, name: fn.name, print };
  });
}

export interface FunctionsDiff {
  added: FunctionPrint[];
  removed: FunctionPrint[];
  changed: FunctionPrint[];
}

export function diffFunctions(before: readonly FunctionPrint[], after: readonly FunctionPrint[]): FunctionsDiff {
  const key = (fn: FunctionPrint): string => `${fn.kind} ${fn.name}`;
  const old = new Map(before.map((fn) => [key(fn), fn]));
  const now = new Map(after.map((fn) => [key(fn), fn]));
  return {
    added: after.filter((fn) => !old.has(key(fn))),
    removed: before.filter((fn) => !now.has(key(fn))),
    changed: after.filter((fn) => old.has(key(fn)) && old.get(key(fn))!.print !== fn.print),
  };
}

/** "changed activity Greet; added orchestration Audit", or that no definition changed. */
export function describeDiff(diff: FunctionsDiff): string {
  const parts = (["changed", "added", "removed"] as const).flatMap((what) => diff[what].map((fn) => `${what} ${fn.kind} ${fn.name}`));
  return parts.length > 0 ? parts.join("; ") : "no definition changed";
}
