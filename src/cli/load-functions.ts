import { isAbsolute, resolve } from "node:path";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import { InvalidArgumentError } from "../errors.js";
import { importModule } from "../host/import-module.js";

/**
 * The definitions a module exports: its named exports that are activity() or orchestration()
 * definitions, or the array it exports as default.
 */
export async function loadFunctions(modulePath: string, baseDir: string): Promise<FunctionDefinition[]> {
  const path = isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath);
  let module: Record<string, unknown>;
  try {
    module = await importModule(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(path)) {
      throw new InvalidArgumentError(`The functions module ${path} does not exist. Pass the module that exports your definitions.`);
    }
    throw error;
  }
  const isDefinition = (value: unknown): value is FunctionDefinition =>
    typeof value === "object" && value !== null && ["activity", "orchestration"].includes((value as { kind?: string }).kind ?? "");
  const found = Array.isArray(module.default)
    ? module.default.filter(isDefinition)
    : Object.values(module).filter(isDefinition);
  const unique = [...new Set(found)];
  if (unique.length === 0) {
    throw new InvalidArgumentError(
      `${path} exports no activity() or orchestration() definitions. Export them by name, or export default [defs…].`,
    );
  }
  return unique;
}
