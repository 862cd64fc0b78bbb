/**
 * Checks every fenced block of some Markdown files: ```ts blocks type-check, the `baton` lines
 * of ```sh blocks parse against the real command, ```json blocks parse. Blocks marked
 * `<!-- check: skip (why) -->` are not checked but listed; an unmarked ```js block is a failure
 * (mark it as foreign code, or write it in TypeScript). The `baton` commands of systemd units
 * (```ini) and Dockerfiles are checked as shell lines. Blocks in other languages (program
 * output, other tools' configuration) are listed as unchecked.
 *
 * A reference page writes an export of batonjs as a declaration: `declare function f(…): …;`,
 * `interface I { … }` or `type T = …`. Such a declaration, when batonjs exports that name, is
 * checked against the export both ways (each satisfies the other), so a signature that drifts
 * from the code fails.
 * A block marked `<!-- check: members (BatonClient) -->` holds member signatures of such an
 * export, checked member by member against it (see `withMemberChecks`).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { checkShell, commandsOf } from "./check-shell.js";
import { checkTypeScript, type BlockFailure } from "./check-typescript.js";
import { extractBlocks, type CodeBlock } from "./code-blocks.js";

export interface DocFile {
  /** Relative to the repository root. */
  path: string;
  /** Indexes, among the file's ts blocks, of blocks whose names every later block sees (for files without markers). */
  sharedIndexes?: number[];
  /** The text, instead of reading `path` (for tests of the checker). */
  text?: string;
}

export interface DocReport {
  failures: BlockFailure[];
  skipped: { file: string; line: number; lang: string; reason: string }[];
  unchecked: { file: string; line: number; lang: string }[];
}

const TYPESCRIPT = new Set(["ts", "typescript"]);
const SHELL = new Set(["sh", "bash", "shell"]);

export function checkDocs(files: DocFile[], root: string): DocReport {
  const report: DocReport = { failures: [], skipped: [], unchecked: [] };
  const typescript: { blocks: CodeBlock[]; sharedIndexes?: number[] }[] = [];
  const exported = exportsOf(join(root, "src/index.ts"));
  const exportedForTests = exportsOf(join(root, "src/testing/index.ts"));
  // "file:line" → what the declaration there is checked against, for the failures' messages.
  const declarations = new Map<string, string>();
  for (const file of files) {
    const blocks = extractBlocks(file.text ?? readFileSync(join(root, file.path), "utf8"), file.path);
    const ownBlocks: CodeBlock[] = [];
    for (const block of blocks.filter((b) => TYPESCRIPT.has(b.lang))) {
      let checked = block;
      if (block.directive?.kind === "members") {
        const { of } = block.directive;
        const module = exported.has(of) ? "batonjs" : exportedForTests.has(of) ? "batonjs/testing" : undefined;
        if (!module) {
          report.failures.push({ file: block.file, line: block.line, message: `members (${of}): neither batonjs nor batonjs/testing exports ${of}` });
          continue;
        }
        checked = withMemberChecks(block, of, module, declarations);
      }
      ownBlocks.push(withExportChecks(checked, exported, declarations));
    }
    typescript.push({ blocks: ownBlocks, ...(file.sharedIndexes ? { sharedIndexes: file.sharedIndexes } : {}) });
    for (const block of blocks) {
      const at = { file: block.file, line: block.line, lang: block.lang };
      if (block.directive?.kind === "skip") report.skipped.push({ ...at, reason: block.directive.reason });
      else if (TYPESCRIPT.has(block.lang)) continue;
      else if (SHELL.has(block.lang)) report.failures.push(...checkShell(block));
      else if (block.lang === "ini" || block.lang === "dockerfile") report.failures.push(...checkShell(commandsOf(block)));
      else if (block.lang === "json") report.failures.push(...checkJson(block));
      else if (block.lang === "js" || block.lang === "javascript") {
        report.failures.push({ ...at, message: "a ```js block must be marked <!-- check: skip (why) --> or written as ```ts" });
      } else report.unchecked.push(at);
    }
  }
  for (const failure of checkTypeScript(typescript, root)) {
    const name = declarations.get(`${failure.file}:${failure.line}`);
    report.failures.push(name ? { ...failure, message: `${failure.message} (${name})` } : failure);
  }
  return report;
}

/**
 * The block, with a check written before each `declare function f`, `interface I` and `type T`
 * whose name batonjs exports, on the declaration's own line: the declared type and the exported
 * one must each satisfy the other (a generic one, for any type arguments its parameters allow). `declarations` records the lines checked.
 */
function withExportChecks(block: CodeBlock, exported: ReadonlySet<string>, declarations: Map<string, string>): CodeBlock {
  if (block.directive?.kind === "skip") return block;
  const source = ts.createSourceFile("block.mts", block.code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const checks: { at: number; text: string }[] = [];
  const checked = new Set<string>();
  for (const statement of source.statements) {
    let declared: { name: string; type: string; real: string } | undefined;
    const isDeclare = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    if (ts.isFunctionDeclaration(statement) && statement.name && isDeclare) {
      const name = statement.name.text;
      declared = { name, type: `typeof ${name}`, real: `typeof import("batonjs").${name}` };
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      const name = statement.name.text;
      const parameters = statement.typeParameters;
      if (parameters) {
        // A generic interface or type: compared for any type arguments, in a generic type alias.
        const args = `<${parameters.map((p) => p.name.text).join(", ")}>`;
        const list = `<${block.code.slice(parameters.pos, parameters.end)}>`;
        if (!exported.has(name) || checked.has(name)) continue;
        checked.add(name);
        const [d, r] = [`${name}${args}`, `import("batonjs").${name}${args}`];
        const at = statement.getStart(source);
        checks.push({ at, text: `type __doc_sat_${name}<A extends B, B> = A; type __doc_check_${name}${list} = [__doc_sat_${name}<${d}, ${r}>, __doc_sat_${name}<${r}, ${d}>]; ` });
        declarations.set(`${block.file}:${block.line + source.getLineAndCharacterOfPosition(at).line}`, `${name}, checked against the export of batonjs`);
        continue;
      }
      declared = { name, type: name, real: `import("batonjs").${name}` };
    }
    if (!declared || !exported.has(declared.name) || checked.has(declared.name)) continue;
    checked.add(declared.name);
    const { name, type, real } = declared;
    const at = statement.getStart(source);
    checks.push({ at, text: `declare const __doc_${name}: ${type}, __batonjs_${name}: ${real}; __doc_${name} satisfies ${real}; __batonjs_${name} satisfies ${type}; ` });
    declarations.set(`${block.file}:${block.line + source.getLineAndCharacterOfPosition(at).line}`, `${name}, checked against the export of batonjs`);
  }
  let code = block.code;
  for (const { at, text } of checks.reverse()) code = code.slice(0, at) + text + code.slice(at);
  return { ...block, code };
}

/** A line that starts the declarations after the member signatures of a `members` block. */
const DECLARATION = /^(export\s+)?(declare\s+)?(interface|type|function|class|const|let|enum|import)\b/;

/**
 * A block marked `members (X)`: signatures of members of X, an export of batonjs or of
 * batonjs/testing, written as inside `interface X { … }` (`startNew(…): Promise<…>;`,
 * `readonly instanceId: string;`). Ordinary declarations may follow them, from the first line
 * that starts, in its first column, with `interface`, `type`, `declare`, `function`, `class`,
 * `const`, `let`, `enum` or `import`; those are checked as in any block.
 *
 * The signatures are wrapped in an interface. Each documented member must exist on X (a
 * misspelled one fails), and the documented type and the real one must each be assignable to
 * the other, and so must their parameter lists: a parameter left out fails, even an optional
 * one, and so does a wrong parameter or return type. An overloaded method is compared as a
 * whole, by TypeScript's rule for overloads, both ways: each real signature must be satisfied
 * by a documented one and each documented one by a real one, with type parameters read as
 * `any` (so a type argument swapped inside a generic overload is not caught); the parameter
 * lists compared are those of the last signature (write the overloads in the order of the
 * code). Failures are reported at the member's first documented signature. Members of X that
 * the block does not document are not required.
 */
function withMemberChecks(block: CodeBlock, of: string, module: string, declarations: Map<string, string>): CodeBlock {
  const lines = block.code.split("\n");
  const end = lines.findIndex((line) => DECLARATION.test(line));
  const members = (end === -1 ? lines : lines.slice(0, end)).join("\n");
  // The closing brace goes on the first line of the declarations, so that lines keep their place.
  const rest = end === -1 ? "\n}" : `${end === 0 ? "" : "\n"}} ${lines.slice(end).join("\n")}`;
  const [self, sat, params] = ["members", "sat", "params"].map((n) => `__doc_${n}_${block.line}`) as [string, string, string];
  const real = `import("${module}").${of}`;
  const prefix = `type ${sat}<A extends B, B> = A; type ${params}<F> = F extends (...args: infer P) => unknown ? P : F; interface ${self} { `;
  const source = ts.createSourceFile("members.mts", `${prefix}${members}\n}`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const wrapper = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === self);
  const checks: { at: number; text: string }[] = [];
  const seen = new Set<string>();
  for (const member of wrapper?.members ?? []) {
    const name = member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : undefined;
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const key = JSON.stringify(name);
    const [d, r] = [`${self}[${key}]`, `${real}[${key}]`];
    const at = member.getStart(source);
    checks.push({ at, text: `__doc_check_${seen.size}: [${sat}<${d}, ${r}>, ${sat}<${r}, ${d}>, ${sat}<${params}<${d}>, ${params}<${r}>>, ${sat}<${params}<${r}>, ${params}<${d}>>]; ` });
    declarations.set(`${block.file}:${block.line + source.getLineAndCharacterOfPosition(at).line}`, `${of}.${name}, checked against the export of ${module}`);
  }
  let code = `${prefix}${members}`;
  for (const { at, text } of checks.reverse()) code = code.slice(0, at) + text + code.slice(at);
  return { ...block, code: code + rest };
}

/** The names a module exports, following its `export * from` of modules of its own. */
function exportsOf(path: string): Set<string> {
  const names = new Set<string>();
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (clause && ts.isNamedExports(clause)) for (const element of clause.elements) names.add(element.name.text);
      else if (clause && ts.isNamespaceExport(clause)) names.add(clause.name.text);
      else if (statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text.startsWith(".")) {
        for (const name of exportsOf(resolve(dirname(path), statement.moduleSpecifier.text.replace(/\.js$/, ".ts")))) names.add(name);
      }
      continue;
    }
    const isExported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!isExported) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) {
      if (statement.name) names.add(statement.name.text);
    }
  }
  return names;
}

function checkJson(block: CodeBlock): BlockFailure[] {
  try {
    JSON.parse(block.code);
    return [];
  } catch (error) {
    return [{ file: block.file, line: block.line, message: `not JSON: ${(error as Error).message}` }];
  }
}

export const formatFailure = (f: BlockFailure): string => `${f.file}:${f.line}: ${f.message}`;
