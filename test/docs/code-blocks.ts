/**
 * The fenced code blocks of a Markdown file, with the line where each one's code starts and the
 * check directive written right before it, if any:
 *
 *   <!-- check: with-previous -->        checked as one module with the block before it
 *   <!-- check: shared -->               its top-level names are visible in every later block
 *   <!-- check: shared (functions.ts) --> the same, and later blocks may import it as "./functions.js"
 *   <!-- check: skip (why) -->           not checked; listed by the test, with the reason
 *   <!-- check: members (BatonClient) --> member signatures of an export of batonjs (or of
 *                                         batonjs/testing), checked against its members
 */
export type Directive =
  | { kind: "with-previous" }
  | { kind: "shared"; module?: string }
  | { kind: "skip"; reason: string }
  | { kind: "members"; of: string };

export interface CodeBlock {
  /** The file, as given (relative to the repository). */
  file: string;
  /** The fence's language, lowercased: "ts", "sh", "json", "js", or "" when none. */
  lang: string;
  code: string;
  /** 1-based line of the block's first line of code in the file. */
  line: number;
  directive?: Directive;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;
const DIRECTIVE = /^<!--\s*check:\s*(with-previous|shared|skip|members)\b\s*(?:\((.*)\))?\s*-->\s*$/;

export function extractBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let pending: Directive | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const directive = DIRECTIVE.exec(text.trim());
    if (directive) {
      pending = toDirective(directive[1] as string, directive[2], file, i + 1);
      continue;
    }
    const open = FENCE.exec(text);
    if (!open) {
      // A directive applies only to the block right after it (blank lines allowed).
      if (text.trim() !== "") pending = undefined;
      continue;
    }
    const [, indent = "", fence = "", lang = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const candidate = lines[j] ?? "";
      if (closes(candidate, fence)) break;
      body.push(candidate.startsWith(indent) ? candidate.slice(indent.length) : candidate);
    }
    blocks.push({ file, lang: lang.toLowerCase(), code: body.join("\n"), line: i + 2, ...(pending ? { directive: pending } : {}) });
    pending = undefined;
    i = j;
  }
  return blocks;
}

/** A closing fence: only the opening fence's character, at least as many times. */
function closes(line: string, fence: string): boolean {
  const text = line.trim();
  return text.length >= fence.length && [...text].every((c) => c === fence[0]);
}

function toDirective(kind: string, reason: string | undefined, file: string, line: number): Directive {
  if (kind === "shared") return reason?.trim() ? { kind, module: reason.trim() } : { kind };
  if (kind === "members") {
    if (!reason?.trim()) throw new Error(`${file}:${line}: members of what? <!-- check: members (BatonClient) -->`);
    return { kind, of: reason.trim() };
  }
  if (kind !== "skip") return { kind: "with-previous" };
  if (!reason?.trim()) throw new Error(`${file}:${line}: a skip needs a reason: <!-- check: skip (why) -->`);
  return { kind: "skip", reason: reason.trim() };
}
