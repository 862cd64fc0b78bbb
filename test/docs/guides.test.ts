/**
 * Every code block of the guides, the README and the reference pages (REFERENCE) is
 * checked: ```ts blocks type-check against src/index.ts, the `baton` lines of ```sh blocks parse
 * against the real command, ```json blocks parse. Skipped and unchecked blocks are printed, so
 * that they stay few and visible.
 */
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkDocs, formatFailure, type DocFile, type DocReport } from "./check-docs.js";
import { extractBlocks } from "./code-blocks.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const GUIDES = readdirSync(join(ROOT, "docs/guides"))
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => `docs/guides/${name}`);
const REFERENCE = ["docs/api.md", "docs/cli.md", "docs/dashboard.md", "docs/http-api.md", "docs/observability.md", "docs/operations.md", "docs/testing.md"];
const FILES: DocFile[] = [...GUIDES.map((path) => ({ path })), { path: "README.md" }, ...REFERENCE.map((path) => ({ path }))];

describe("the code blocks of the documentation", () => {
  let report: DocReport;
  beforeAll(() => {
    report = checkDocs(FILES, ROOT);
    const listed = [
      ...report.skipped.map((s) => `  skipped    ${s.file}:${s.line} (${s.lang || "no language"}): ${s.reason}`),
      ...report.unchecked.map((u) => `  unchecked  ${u.file}:${u.line} (${u.lang || "no language"})`),
    ];
    if (listed.length > 0) console.info(`Code blocks not checked:\n${listed.join("\n")}`);
  });

  it("finds the guides", () => {
    expect(GUIDES).toEqual(["docs/guides/changing-code.md", "docs/guides/deploying.md", "docs/guides/from-azure-durable-functions.md", "docs/guides/getting-started.md"]);
  });

  for (const { path } of FILES) {
    it(`${path}: every block checks`, () => {
      expect(report.failures.filter((f) => f.file === path).map(formatFailure)).toEqual([]);
    });
  }

  it("skips only foreign code, and says why", () => {
    for (const skip of report.skipped) expect(skip.lang, `${skip.file}:${skip.line}`).toMatch(/^(js|javascript|ts)$/);
  });

  it("leaves unchecked only program output and other tools' configuration", () => {
    for (const block of report.unchecked) expect(["", "text", "yaml"], `${block.file}:${block.line}`).toContain(block.lang);
  });
});

describe("the checker", () => {
  const sample = (text: string): DocReport => checkDocs([{ path: "sample.md", text }], ROOT);

  it("extracts blocks with the line of their first code line and their directive", () => {
    const blocks = extractBlocks("# T\n\n<!-- check: skip (Azure code) -->\n\n```js\nlet a;\n```\n\n````ts\nconst b = 1;\n````\n", "x.md");
    expect(blocks).toEqual([
      { file: "x.md", lang: "js", code: "let a;", line: 6, directive: { kind: "skip", reason: "Azure code" } },
      { file: "x.md", lang: "ts", code: "const b = 1;", line: 10 },
    ]);
  });

  it("refuses a skip without a reason", () => {
    expect(() => extractBlocks("<!-- check: skip -->\n```js\n```\n", "x.md")).toThrow(/needs a reason/);
  });

  it("reports a type error at its line in the Markdown file", () => {
    const text = 'Intro\n\n```ts\nimport { activity } from "batonjs";\n\nconst a = activity("A", async (n: number) => n * 2);\nconst s: string = a.name;\nconst wrong: number = "text";\n```\n';
    expect(sample(text).failures.map(formatFailure)).toEqual([
      "sample.md:8: TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("checks a call against the definition's types", () => {
    const text = [
      "```ts",
      'import { activity, orchestration } from "batonjs";',
      'const double = activity("Double", async (n: number) => n * 2);',
      'export const o = orchestration("O", async (ctx, _: unknown) => ctx.callActivity(double, "two"));',
      "```",
    ].join("\n");
    expect(sample(text).failures.map((f) => `${f.line} ${f.message.slice(0, 7)}`)).toEqual(["4 TS2769:"]);
  });

  it("checks a block with the one before it when marked, and makes a shared block's names visible later", () => {
    const text = [
      "<!-- check: shared -->",
      "```ts",
      'import { activity } from "batonjs";',
      'const greet = activity("Greet", async (name: string) => `Hello, ${name}`);',
      "```",
      "```ts",
      "const n: string = greet.name;",
      "```",
      "<!-- check: with-previous -->",
      "```ts",
      "const m: string = n + activity.name;",
      "```",
      "```ts",
      "const lone: string = n;",
      "```",
    ].join("\n");
    expect(sample(text).failures.map(formatFailure)).toEqual(["sample.md:14: TS2304: Cannot find name 'n'."]);
  });

  it("points imports of the module a shared block stands for at that block", () => {
    const text = [
      "<!-- check: shared (functions.ts) -->",
      "```ts",
      'import { activity } from "batonjs";',
      'export const greet = activity("Greet", async (name: string) => `Hello, ${name}`);',
      "```",
      "```ts",
      'import { greet } from "./functions.js";',
      "const n: number = greet.name;",
      "```",
    ].join("\n");
    expect(sample(text).failures.map(formatFailure)).toEqual(["sample.md:8: TS2322: Type 'string' is not assignable to type 'number'."]);
  });

  it("checks a declared function or interface (generic too) that batonjs exports against the export, both ways", () => {
    const text = [
      "```ts",
      'import type { BatonClient, ServeHttpApiOptions } from "batonjs";',
      "declare function serveHttpApi(client: BatonClient, options?: ServeHttpApiOptions): Promise<string>;",
      "interface HttpApiServer {",
      "  readonly url: string;",
      "}",
      "interface Logger {",
      "  debug(message: string, ...args: unknown[]): void;",
      "  info(message: string, ...args: unknown[]): void;",
      "  warn(message: string, ...args: unknown[]): void;",
      "  error(message: string, ...args: unknown[]): void;",
      "}",
      "declare function sendMail(to: string): Promise<void>;",
      "interface Order { id: string }",
      "interface StartNewOptions<In> { input?: In; instanceId?: number }",
      "```",
    ].join("\n");
    expect(sample(text).failures.map((f) => `${f.line} ${f.message.slice(0, 7)} ${/\((\w+), checked against the export of batonjs\)$/.exec(f.message)?.[1]}`)).toEqual([
      "3 TS1360: serveHttpApi",
      "3 TS1360: serveHttpApi",
      "4 TS1360: HttpApiServer",
      "15 TS2344: StartNewOptions",
      "15 TS2344: StartNewOptions",
    ]);
  });

  it("checks a declared type alias (generic too) that batonjs exports against the export, both ways", () => {
    const text = [
      "```ts",
      'type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;',
      "type InstanceId<Out = unknown> = number;",
      "type Arrives = { at: string };",
      "```",
      "```ts",
      "type Duration = number;",
      "```",
    ].join("\n");
    expect(sample(text).failures.map((f) => `${f.line} ${f.message.slice(0, 7)} ${/\((\w+), checked against the export of batonjs\)$/.exec(f.message)?.[1]}`)).toEqual([
      "3 TS2344: InstanceId",
      "3 TS2344: InstanceId",
      "7 TS1360: Duration",
    ]);
  });

  it("checks member signatures against the members of an export: a wrong type, a missing parameter, a misspelled member fail at their line", () => {
    const text = [
      "<!-- check: members (BatonClient) -->",
      "```ts",
      "raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void>;",
      "terminate(instanceId: string, reason?: string): Promise<string>;",
      "suspend(instanceId: string): Promise<void>;",
      "resme(instanceId: string, reason?: string): Promise<void>;",
      "readonly storeKind: \"sqlite\" | \"postgres\";",
      "startNew<In = unknown, Out = unknown>(name: string, options?: StartNewOptions<In>): Promise<InstanceId<Out>>;",
      "startNew<In, Out, Name extends string>(",
      "  orchestration: OrchestrationDefinition<In, Out, Name>,",
      "  options?: StartNewOptions<In>,",
      "): Promise<number>;",
      "",
      "interface StartNewOptions<In> { input?: In }",
      "```",
      "<!-- check: members (TestEnvironment) -->",
      "```ts",
      "advanceTime(by: number): Promise<void>;",
      "```",
      "<!-- check: members (Orchestrator) -->",
      "```ts",
      "close(): Promise<void>;",
      "```",
    ].join("\n");
    const preamble = 'import type { InstanceId, OrchestrationDefinition, StartNewOptions } from "batonjs";\n';
    const report = sample(`<!-- check: shared -->\n\`\`\`ts\n${preamble}\`\`\`\n${text}`);
    const failures = report.failures.map((f) => `${f.line - 4} ${f.message.slice(0, 7)} ${/\(([\w.]+), checked against the export of ([\w/]+)\)$/.exec(f.message)?.slice(1).join(" ") ?? ""}`);
    expect([...new Set(failures)]).toEqual([
      "22 members ",
      "4 TS2344: BatonClient.terminate batonjs",
      "5 TS2344: BatonClient.suspend batonjs",
      "6 TS2339: BatonClient.resme batonjs",
      "8 TS2344: BatonClient.startNew batonjs",
      "18 TS2344: TestEnvironment.advanceTime batonjs/testing",
    ]);
  });

  it("parses baton lines against the real command: a renamed option or command fails", () => {
    const text = [
      "```sh",
      "npx baton dev ./functions.ts --port 7072",
      "npx baton status po-42 --jsonn",
      "BATON_STORE=sqlite:./x.db npx baton list --status Running --name Approval && echo ok",
      "npm run baton -- histroy po-42",
      "npx baton list --status Sleeping   # not a status",
      "baton raise po-42 Approval '{\"approved\":true}' \\",
      "  --url http://127.0.0.1:7071",
      "npx baton raise po-42 Approval '{not json}'",
      "npx baton --help",
      "```",
    ].join("\n");
    expect(sample(text).failures.map((f) => `${f.line} ${f.message.split(":")[0]}`)).toEqual([
      "3 baton status po-42 --jsonn",
      "5 baton histroy po-42",
      "6 baton list --status Sleeping",
      "9 baton raise po-42 Approval {not json}",
    ]);
  });

  it("checks the baton commands of systemd units and Dockerfiles", () => {
    const text = [
      "```ini",
      "[Service]",
      "ExecStart=/srv/app/node_modules/.bin/baton start ./functions.ts --stop-timout 20000",
      "```",
      "```dockerfile",
      "RUN npm ci",
      'CMD ["./node_modules/.bin/baton", "strat", "./functions.ts"]',
      "```",
    ].join("\n");
    expect(sample(text).failures.map((f) => `${f.line} ${f.message.split(":")[0]}`)).toEqual([
      "3 baton start ./functions.ts --stop-timout 20000",
      "7 baton strat ./functions.ts",
    ]);
  });

  it("parses json blocks and refuses unmarked js blocks", () => {
    const report = sample('```json\n{ "a": 1, }\n```\n\n```js\nconsole.log(1);\n```\n\n<!-- check: skip (Azure code) -->\n```js\nyield 1;\n```\n\n```\n$ output\n```\n');
    expect(report.failures.map((f) => `${f.line} ${f.message.slice(0, 9)}`)).toEqual(["2 not JSON:", "6 a ```js b"]);
    expect(report.skipped).toEqual([{ file: "sample.md", line: 11, lang: "js", reason: "Azure code" }]);
    expect(report.unchecked).toEqual([{ file: "sample.md", line: 15, lang: "" }]);
  });
});
