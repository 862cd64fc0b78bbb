/**
 * Checks every fenced block of some Markdown files: ```ts blocks type-check, the `baton` lines
 * of ```sh blocks parse against the real command, ```json blocks parse. Blocks marked
 * `<!-- check: skip (why) -->` are not checked but listed; an unmarked ```js block is a failure
 * (mark it as foreign code, or write it in TypeScript). The `baton` commands of systemd units
 * (```ini) and Dockerfiles are checked as shell lines. Blocks in other languages (program
 * output) are listed as unchecked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  for (const file of files) {
    const blocks = extractBlocks(file.text ?? readFileSync(join(root, file.path), "utf8"), file.path);
    typescript.push({ blocks: blocks.filter((b) => TYPESCRIPT.has(b.lang)), ...(file.sharedIndexes ? { sharedIndexes: file.sharedIndexes } : {}) });
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
  report.failures.push(...checkTypeScript(typescript, root));
  return report;
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
