/**
 * Type-checks ```ts blocks with the TypeScript compiler, strict, as the project's own code is
 * checked (tsconfig.json), with `batonjs` (and `batonjs/testing`) resolved to this repository's sources.
 *
 * Each block is its own ES module, in memory, next to package.json. A block marked
 * `with-previous` is appended to the module of the block before it. The top-level names of a
 * block marked `shared` are imported into every later module of the same file that does not
 * declare them itself. Every diagnostic is reported at its line in the Markdown file.
 */
import { join } from "node:path";
import ts from "typescript";
import type { CodeBlock } from "./code-blocks.js";

export interface BlockFailure {
  file: string;
  line: number;
  message: string;
}

/** One module to check: consecutive blocks joined by `with-previous`. */
interface Unit {
  file: string;
  blocks: CodeBlock[];
  shared: boolean;
}

/** A file's ts blocks, plus which of them (0-based among its ts blocks) to treat as shared without a marker. */
export interface TypeScriptFile {
  blocks: CodeBlock[];
  sharedIndexes?: number[];
}

export function checkTypeScript(files: TypeScriptFile[], root: string): BlockFailure[] {
  const virtual = new Map<string, { text: string; lines: ({ file: string; line: number } | undefined)[] }>();
  const failures: BlockFailure[] = [];
  for (const [fileIndex, { blocks, sharedIndexes = [] }] of files.entries()) {
    const units = toUnits(blocks, sharedIndexes, failures);
    const shared: { module: string; names: string[] }[] = [];
    // "./functions.js" → the module of the block marked `shared (functions.ts)`.
    const modules = new Map<string, string>();
    for (const [unitIndex, unit] of units.entries()) {
      const name = `__doc_check_${fileIndex}_${unitIndex}`;
      const body = withModules(unit.blocks.map((b) => b.code).join("\n"), modules);
      const own = declaredNames(body);
      const imports = importsOf(shared, own.all);
      const lines: ({ file: string; line: number } | undefined)[] = imports.map(() => undefined);
      for (const block of unit.blocks) block.code.split("\n").forEach((_, i) => lines.push({ file: block.file, line: block.line + i }));
      // A shared block passes on its imports and the shared names it sees, too.
      const exported = unit.shared ? [...own.topLevel.filter((n) => !own.exported.includes(n)), ...own.imported, ...importedNames(imports)] : [];
      const text = [...imports, body, exported.length > 0 ? `export { ${exported.join(", ")} };` : "export {};"].join("\n");
      virtual.set(join(root, `${name}.mts`), { text, lines });
      const moduleName = unit.blocks[0]?.directive?.kind === "shared" ? unit.blocks[0].directive.module : undefined;
      if (moduleName) modules.set(moduleName.replace(/\.[cm]?ts$/, ""), `./${name}.mjs`);
      if (unit.shared) shared.push({ module: `./${name}.mjs`, names: [...own.topLevel, ...own.imported, ...importedNames(imports)] });
    }
  }
  const program = ts.createProgram([...virtual.keys()], compilerOptions(root), host(root, virtual));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const source = diagnostic.file ? virtual.get(diagnostic.file.fileName) : undefined;
    if (!diagnostic.file || !source) {
      failures.push({ file: diagnostic.file?.fileName ?? "(compiler)", line: 0, message: `TS${diagnostic.code}: ${message}` });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const at = source.lines[line] ?? { file: "(imports of shared blocks)", line: 0 };
    failures.push({ file: at.file, line: at.line, message: `TS${diagnostic.code}: ${message}` });
  }
  return failures;
}

/** Imports of a module that a shared block stands for, pointed at that block's module. */
function withModules(text: string, modules: Map<string, string>): string {
  return text.replace(/(from\s+)(["'])\.\/([\w./-]+?)(?:\.[cm]?js)?\2/g, (whole, from: string, _q: string, name: string) => {
    const module = modules.get(name);
    return module ? `${from}"${module}"` : whole;
  });
}

function toUnits(blocks: CodeBlock[], sharedIndexes: number[], failures: BlockFailure[]): Unit[] {
  const units: Unit[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.directive?.kind === "skip") continue;
    const previous = units.at(-1);
    if (block.directive?.kind === "with-previous") {
      if (previous) previous.blocks.push(block);
      else failures.push({ file: block.file, line: block.line, message: "with-previous, but no block before it is checked" });
      continue;
    }
    units.push({ file: block.file, blocks: [block], shared: block.directive?.kind === "shared" || sharedIndexes.includes(index) });
  }
  return units;
}

/** Import lines for the shared names this module does not declare itself (a later shared block wins). */
function importsOf(shared: { module: string; names: string[] }[], own: string[]): string[] {
  const from = new Map<string, string>();
  for (const { module, names } of shared) for (const n of names) from.set(n, module);
  const byModule = new Map<string, string[]>();
  for (const [n, module] of from) if (!own.includes(n)) byModule.set(module, [...(byModule.get(module) ?? []), n]);
  return [...byModule].map(([module, names]) => `import { ${names.join(", ")} } from "${module}";`);
}

const importedNames = (imports: string[]): string[] => imports.flatMap((line) => /\{ (.*) \}/.exec(line)?.[1]?.split(", ") ?? []);

/** Names declared at the top level of a module: `topLevel` (declarations), `imported`, `all` (both), `exported`. */
function declaredNames(text: string): { topLevel: string[]; imported: string[]; all: string[]; exported: string[] } {
  const source = ts.createSourceFile("block.mts", text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const topLevel: string[] = [];
  const imported: string[] = [];
  const exported: string[] = [];
  const bindingNames = (name: ts.BindingName): string[] =>
    ts.isIdentifier(name) ? [name.text] : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
  for (const statement of source.statements) {
    const isExported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    let names: string[] = [];
    if (ts.isVariableStatement(statement)) names = statement.declarationList.declarations.flatMap((d) => bindingNames(d.name));
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) names = [statement.name.text];
    else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) names = [statement.name.text];
    else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) imported.push(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) imported.push(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) imported.push(...bindings.elements.map((e) => e.name.text));
    }
    topLevel.push(...names);
    if (isExported) exported.push(...names);
  }
  return { topLevel, imported, all: [...topLevel, ...imported], exported };
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.json");
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, baseUrl: root, paths: { batonjs: ["./src/index.ts"], "batonjs/testing": ["./src/testing/index.ts"] } };
}

/** The real file system, plus the in-memory modules; parsed files of the real one are kept between calls. */
const parsedFiles = new Map<string, ts.SourceFile>();

function host(root: string, virtual: Map<string, { text: string }>): ts.CompilerHost {
  const base = ts.createCompilerHost(compilerOptions(root), true);
  return {
    ...base,
    fileExists: (name) => virtual.has(name) || base.fileExists(name),
    readFile: (name) => virtual.get(name)?.text ?? base.readFile(name),
    getSourceFile: (name, languageVersion, onError) => {
      const own = virtual.get(name);
      if (own) return ts.createSourceFile(name, own.text, languageVersion, true);
      let file = parsedFiles.get(name);
      if (!file) {
        file = base.getSourceFile(name, languageVersion, onError);
        if (file) parsedFiles.set(name, file);
      }
      return file;
    },
  };
}
