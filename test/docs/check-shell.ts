/**
 * Checks the `baton` command lines of ```sh blocks against the real command-line definition
 * (`program()` of src/cli/main.ts): each is parsed by commander with every action replaced by
 * one that does nothing, so a renamed command, a renamed or misspelt option, a missing argument
 * or a value an option's parser refuses fails the check, and nothing runs.
 *
 * A command line is `baton …`, `npx baton …` or `npm run baton -- …`, after any `VAR=value`
 * prefixes, in a list joined by `&&`, `||`, `;` or `|`. Lines ending in `\` continue. In a
 * systemd unit (```ini) the commands are the `ExecStart=` lines; in a ```dockerfile, the
 * `RUN`, `CMD` and `ENTRYPOINT` instructions (shell or JSON form).
 */
import { CommanderError, type Command } from "commander";
import { program } from "../../src/cli/main.js";
import type { BlockFailure } from "./check-typescript.js";
import type { CodeBlock } from "./code-blocks.js";

export interface BatonLine {
  line: number;
  args: string[];
}

export function checkShell(block: CodeBlock): BlockFailure[] {
  const failures: BlockFailure[] = [];
  for (const { line, args } of batonLines(block)) {
    const problem = parseProblem(args);
    if (problem) failures.push({ file: block.file, line, message: `baton ${args.join(" ")}: ${problem}` });
  }
  return failures;
}

/** The commands of a unit file or a Dockerfile, as a shell block with the same line numbers. */
export function commandsOf(block: CodeBlock): CodeBlock {
  const instruction = block.lang === "ini" ? /^\s*ExecStart=[-@+!:]*(.*)$/ : /^\s*(?:RUN|CMD|ENTRYPOINT)\s+(.*)$/i;
  const lines = block.code.split("\n").map((line) => {
    const command = instruction.exec(line)?.[1]?.trim() ?? "";
    if (!command.startsWith("[")) return command;
    return (JSON.parse(command) as string[]).map((word) => `'${word}'`).join(" ");
  });
  return { ...block, lang: "sh", code: lines.join("\n") };
}

/** The `baton` invocations of a shell block, with their arguments as the shell would split them. */
export function batonLines(block: CodeBlock): BatonLine[] {
  const found: BatonLine[] = [];
  const lines = block.code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] ?? "";
    while (text.endsWith("\\") && i + 1 < lines.length) text = text.slice(0, -1) + " " + (lines[++i] ?? "");
    for (const command of splitCommands(words(text))) {
      const args = batonArgs(command);
      if (args) found.push({ line: block.line + start, args });
    }
  }
  return found;
}

function batonArgs(command: string[]): string[] | undefined {
  const words = command.slice(command.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)));
  if (words[0] === "baton" || words[0]?.endsWith("/.bin/baton")) return words.slice(1);
  if (words[0] === "npx" && words[1] === "baton") return words.slice(2);
  if (words[0] === "npm" && words[1] === "run" && words[2] === "baton") return words.slice(words[3] === "--" ? 4 : 3);
  return undefined;
}

const OPERATORS = new Set(["&&", "||", ";", "|"]);

function splitCommands(tokens: { text: string; operator: boolean }[]): string[][] {
  const commands: string[][] = [[]];
  for (const token of tokens) {
    if (token.operator) commands.push([]);
    else commands.at(-1)?.push(token.text);
  }
  return commands.filter((c) => c.length > 0);
}

/** Shell words: quotes removed, `#` comments dropped, operators as their own tokens. */
function words(text: string): { text: string; operator: boolean }[] {
  const tokens: { text: string; operator: boolean }[] = [];
  let current: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced ${c} in: ${text}`);
      current = (current ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (current !== undefined) tokens.push({ text: current, operator: false });
      current = undefined;
    } else if (c === "#" && current === undefined) {
      break;
    } else if (OPERATORS.has(c) || OPERATORS.has(text.slice(i, i + 2))) {
      if (current !== undefined) tokens.push({ text: current, operator: false });
      current = undefined;
      const op = OPERATORS.has(text.slice(i, i + 2)) ? text.slice(i, i + 2) : c;
      tokens.push({ text: op, operator: true });
      i += op.length - 1;
    } else {
      current = (current ?? "") + c;
    }
  }
  if (current !== undefined) tokens.push({ text: current, operator: false });
  return tokens;
}

/** Parses the arguments with the real definition, running nothing; the parser's complaint, if any. */
function parseProblem(args: string[]): string | undefined {
  const baton = program();
  let message = "";
  const silence = (command: Command): void => {
    command.configureOutput({ writeOut: () => undefined, writeErr: (text) => void (message += text) });
    command.exitOverride();
    for (const sub of command.commands) {
      sub.action(() => undefined);
      silence(sub);
    }
  };
  silence(baton);
  try {
    baton.parse(args, { from: "user" });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? undefined : (message.split("\n")[0] || error.message);
    return (error as Error).message;
  }
}
