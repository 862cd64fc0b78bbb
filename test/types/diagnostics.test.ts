/**
 * The words of Baton's compile errors: small programs are compiled with the TypeScript
 * compiler API against the real sources, and the diagnostic text must name the definition
 * and the expected type (a wrong input) or the fix (an input JSON cannot carry).
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";

const INDEX = resolve("src/index.ts");

const PRELUDE = `
import { activity, orchestration, type BatonClient } from ${JSON.stringify(INDEX.replace(/\.ts$/, ".js"))};
const processImage = activity("ProcessImage", async (file: string) => ({ file, bytes: 1234 }));
const resize = orchestration("Resize", async (_ctx, size: { width: number; height: number }) => size.width * size.height);
declare const client: BatonClient;
`;

/** The snippets each test compiles, by name; all are compiled by one program (the sources are checked once). */
const SNIPPETS = {
  prelude: "export {};",
  activityInput: `orchestration("O", async (ctx) => ctx.callActivity(processImage, 42));`,
  childInput: `orchestration("O", async (ctx) => ctx.callSubOrchestrator(resize, { width: 1, height: "2" }));`,
  startNewInput: `void client.startNew(resize, { input: { width: 1 } });`,
  dateInput: `activity("At", async (at: Date) => at.getTime());`,
  nestedDate: `orchestration("O", async (_ctx, input: { order: { placedAt: Date } }) => 1);`,
  mapInput: `activity("M", async (input: { prices: Map<string, number> }) => 1);`,
  classInput: `class Money { constructor(readonly cents: number) {} format() { return ""; } }\nactivity("C", async (m: Money) => m.format());`,
  eventData: `orchestration("O", async (ctx) => ctx.waitForExternalEvent<{ at: Date }>("Go"));`,
};

let diagnostics: Record<keyof typeof SNIPPETS, string[]>;

/** Every diagnostic of each snippet (after the prelude), flattened to text with its related information. */
function compileSnippets(): Record<keyof typeof SNIPPETS, string[]> {
  const dir = tempDir("baton-diagnostics-");
  const files = Object.fromEntries(Object.keys(SNIPPETS).map((name) => [name, join(dir, `${name}.ts`)])) as Record<keyof typeof SNIPPETS, string>;
  for (const [name, body] of Object.entries(SNIPPETS)) writeFileSync(files[name as keyof typeof SNIPPETS], PRELUDE + body);
  const program = ts.createProgram(Object.values(files), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [resolve("node_modules/@types")],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const all = ts.getPreEmitDiagnostics(program);
  const texts = (file: string) =>
    all
      .filter((d) => d.file?.fileName === file)
      .map((d) => [d.messageText, ...(d.relatedInformation ?? []).map((r) => r.messageText)].map((m) => ts.flattenDiagnosticMessageText(m, "\n")).join("\n"));
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, texts(file)])) as Record<keyof typeof SNIPPETS, string[]>;
}

/** The one diagnostic the snippet produces. */
function onlyDiagnostic(name: keyof typeof SNIPPETS): string {
  const found = diagnostics[name];
  expect(found, found.join("\n---\n")).toHaveLength(1);
  return found[0]!;
}

describe("compile errors name the definition and the fix", () => {
  beforeAll(() => {
    diagnostics = compileSnippets();
    // The prelude alone compiles: every error below comes from its snippet.
    expect(diagnostics.prelude).toEqual([]);
    // Type-checking all of src takes seconds alone and over a minute on a loaded machine.
  }, 600_000);

  it("a wrong activity input: the last signature reported is the definition's, naming the activity and the expected type", () => {
    const text = onlyDiagnostic("activityInput");
    const lastOverload = text.slice(text.lastIndexOf("Overload"));
    expect(lastOverload).toContain(`ActivityDefinition<string, { file: string; bytes: number; }, "ProcessImage">`);
    expect(lastOverload).toContain("Argument of type 'number' is not assignable to parameter of type 'string'");
  });

  it("a wrong sub-orchestration input names the orchestration and the property that is wrong", () => {
    const text = onlyDiagnostic("childInput");
    const lastOverload = text.slice(text.lastIndexOf("Overload"));
    expect(lastOverload).toContain(`OrchestrationDefinition<{ width: number; height: number; }, number, "Resize">`);
    expect(lastOverload).toContain("Type 'string' is not assignable to type 'number'");
    expect(text).toContain("The expected type comes from property 'height'");
  });

  it("a wrong startNew input names the orchestration and the expected type", () => {
    const text = onlyDiagnostic("startNewInput");
    const lastOverload = text.slice(text.lastIndexOf("Overload"));
    expect(lastOverload).toContain(`OrchestrationDefinition<{ width: number; height: number; }, number, "Resize">`);
    expect(lastOverload).toContain("Property 'height' is missing");
  });

  it("a Date input says it arrives as a string and what to send instead", () => {
    const text = onlyDiagnostic("dateInput");
    expect(text).toContain("Date does not survive JSON: it arrives as an ISO string. Declare a string and send date.toISOString()");
  });

  it("a nested Date, a Map and a class instance name where they are", () => {
    expect(onlyDiagnostic("nestedDate")).toContain(
      "Date does not survive JSON (at input.order.placedAt)",
    );
    expect(onlyDiagnostic("mapInput")).toContain(
      "Map does not survive JSON (at input.prices): it arrives as {}. Declare a plain object and send Object.fromEntries(map)",
    );
    expect(onlyDiagnostic("classInput")).toContain(
      "a function cannot be sent as JSON (at input.format): a class instance arrives without its methods",
    );
  });

  it("event data declared as a Date says the same, for the data", () => {
    const text = onlyDiagnostic("eventData");
    expect(text).toContain("Date does not survive JSON (at data.at)");
  });
});
