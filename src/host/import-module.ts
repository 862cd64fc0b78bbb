/**
 * Loads a user's module (a config file, a functions module) whether it is JavaScript or
 * TypeScript, without a build step. TypeScript goes through tsx, an optional peer dependency:
 * it is imported only when a TypeScript module is met, so that JavaScript applications never
 * need it.
 */
import { pathToFileURL } from "node:url";
import { TypeScriptLoaderMissingError } from "../errors.js";

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
    await registerTypeScript(path);
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

/** Registers tsx, or throws TypeScriptLoaderMissingError naming `path` when tsx is not installed. */
async function registerTypeScript(path: string): Promise<void> {
  if (typeScriptRegistered) return;
  let api: typeof import("tsx/esm/api");
  try {
    api = await import("tsx/esm/api");
  } catch (error) {
    // Only tsx itself missing: a tsx that is there but broken keeps its own error.
    const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && /['"]tsx['"]/.test(String((error as Error).message));
    if (missing) throw new TypeScriptLoaderMissingError(path, { cause: error });
    throw error;
  }
  api.register();
  typeScriptRegistered = true;
}
