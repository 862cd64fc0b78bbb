/**
 * Loads a user's module (a config file, a functions module) whether it is JavaScript or
 * TypeScript, without a build step.
 */
import { pathToFileURL } from "node:url";

/** Imports a JavaScript or TypeScript module (TypeScript through tsx, no build step needed). */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    // Plain Node cannot load TypeScript: hook tsx into this process's loader once, so that the
    // user's modules share this process's batonjs (its error classes work with instanceof).
    await registerTypeScript();
    // Node remembers the failed load of `url`: the same file under another URL loads afresh.
    module = (await import(`${url}?typescript`)) as Record<string, unknown>;
  }
  // Outside a "type": "module" package, tsx compiles the file to CommonJS: the namespace's
  // default is then the whole exports object (marked __esModule), not the default export.
  const exports = module.default as { __esModule?: unknown } | undefined;
  if (typeof exports === "object" && exports !== null && exports.__esModule === true) return { ...exports } as Record<string, unknown>;
  return module;
}

let typeScriptRegistered = false;

async function registerTypeScript(): Promise<void> {
  if (typeScriptRegistered) return;
  const { register } = await import("tsx/esm/api");
  register();
  typeScriptRegistered = true;
}
