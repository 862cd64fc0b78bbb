/**
 * The published package, as a user gets it: built and packed once (`npm pack`, which runs the
 * build), installed once into a fresh project outside the repository, then used the ways the
 * README promises — ESM import, require() on Node >= 20.19, TypeScript with node16 and bundler
 * resolution, and the `baton` command serving a plain .mjs module.
 *
 * better-sqlite3 compiles from source when no prebuilt binary can be downloaded (minutes on a
 * small machine). The repository's own install already holds that binary for this very Node:
 * it is offered to better-sqlite3's installer as a local prebuild, which that installer
 * looks for before downloading or compiling, and the project pins that same better-sqlite3
 * version (with `overrides`) so that the binary fits.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
const TSC = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
/** Generous bounds: packing and installing on a loaded machine may take minutes. */
const SETUP_TIMEOUT = 20 * 60_000;
const TIMEOUT = 5 * 60_000;

const run = promisify(execFile);

/** The parent's environment without BATON_* variables, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("BATON_")) clean[key] = value;
  return { ...clean, NO_COLOR: "1", ...extra };
}

async function sh(file: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, args, { cwd, env: env(extra), maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}: ${(error as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}

/** A process left running, its output collected; `waitFor` resolves on a line it prints. */
class Running {
  out = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.out += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.out += chunk));
    this.exited = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  }
  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void this.exited.then(() => (done = true));
    for (;;) {
      const match = pattern.exec(this.out);
      if (match) return match;
      if (done) throw new Error(`exited before printing ${pattern}:\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`did not print ${pattern} within ${timeoutMs} ms:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async exit(timeoutMs = 120_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms:\n${this.out}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Every file under `dir`, relative, with forward slashes. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path, base) : [relative(base, path).split(sep).join("/")];
  });
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} kB`;

let work: string;
let app: string;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "baton-package-"));
  const started = Date.now();
  // `npm pack` runs the `prepare` script: the build a publish would run.
  const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", work], REPO_ROOT);
  packed = (JSON.parse(stdout.slice(stdout.search(/^\[/m))) as (typeof packed)[])[0]!;
  const packedMs = Date.now() - started;

  const prebuilds = join(work, "prebuilds");
  const binary = join(REPO_ROOT, "node_modules/better-sqlite3/build/Release/better_sqlite3.node");
  const sqliteVersion = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/better-sqlite3/package.json"), "utf8")) as { version: string }).version;
  app = join(work, "app");
  mkdirSync(app);
  const manifest = { name: "baton-package-check", private: true, type: "module", overrides: { "better-sqlite3": sqliteVersion } };
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));
  if (existsSync(binary)) {
    mkdirSync(prebuilds);
    const name = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await sh("tar", ["-czf", join(prebuilds, name), "build/Release/better_sqlite3.node"], join(REPO_ROOT, "node_modules/better-sqlite3"));
  }
  await sh("npm", ["install", join(work, packed.filename), "--prefer-offline", "--no-audit", "--no-fund"], app, {
    npm_config_better_sqlite3_local_prebuilds: prebuilds,
  });
  const { stdout: du } = await sh("du", ["-sk", "node_modules"], app);
  console.log(
    `batonjs ${MANIFEST.version}: packed ${kb(packed.size)}, unpacked ${kb(packed.unpackedSize)}, ${packed.files.length} files; ` +
      `installed with its dependencies ${(Number.parseInt(du, 10) / 1024).toFixed(1)} MB ` +
      `(pack ${((packedMs) / 1000).toFixed(0)} s, install ${((Date.now() - started - packedMs) / 1000).toFixed(0)} s)`,
  );
}, SETUP_TIMEOUT);

afterAll(async () => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The group has ended already.
    }
  }
  if (work) await rm(work, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(app, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Starts the installed `baton` command: through npx, or through the link npx runs
 * (node_modules/.bin/baton) for a test that signals it — npx runs the command under `sh -c`,
 * which does not pass a SIGTERM on.
 */
function start(args: string[], via: "npx" | "bin"): Running {
  const [file, first] = via === "npx" ? ["npx", ["baton"]] : [join(app, "node_modules/.bin/baton"), []];
  // Its own process group, so that afterAll can end whatever it started.
  const child = spawn(file, [...first, ...args], { cwd: app, env: env(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  return new Running(child);
}

describe("the packed package", () => {
  it("holds exactly the built JavaScript, its declarations, the migrations and the dashboard's files: no sources, tests, maps or examples", () => {
    const files = packed.files.map((f) => f.path).sort();
    // One .js and one .d.ts per source module, each migration file, and what npm always adds.
    const fromSrc = walk(join(REPO_ROOT, "src")).flatMap((path) => {
      if (path.endsWith(".ts")) return [`dist/${path.replace(/\.ts$/, ".js")}`, `dist/${path.replace(/\.ts$/, ".d.ts")}`];
      return path.endsWith(".sql") ? [`dist/${path}`] : [];
    });
    const always = ["package.json", "README.md", ...(existsSync(join(REPO_ROOT, "LICENSE")) ? ["LICENSE"] : [])];
    // The dashboard as `npm pack`'s build wrote it: hashed files and their manifest.
    const ui = (JSON.parse(readFileSync(join(REPO_ROOT, "dist/ui/manifest.json"), "utf8")) as { files: string[] }).files;
    const fromUi = ["dist/ui/manifest.json", ...ui.map((file) => `dist/ui/${file}`)];
    expect(fromUi.some((file) => file.endsWith(".js"))).toBe(true);
    expect(files).toEqual([...always, ...fromSrc, ...fromUi].sort());
    expect(files).toContain("dist/store/sqlite/migrations/001-initial.sql");
    expect(files).toContain("dist/testing/index.d.ts");
    expect(files.filter((f) => /\.map$|^(src|test|bench|examples)\/|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  });

  it("installs without tsx (an optional peer) and with only its runtime dependencies", () => {
    const installed = JSON.parse(readFileSync(join(app, "node_modules/batonjs/package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(Object.keys(MANIFEST.dependencies).sort());
    expect(existsSync(join(app, "node_modules/tsx"))).toBe(false);
    expect(existsSync(join(app, "node_modules/esbuild"))).toBe(false);
    expect(existsSync(join(app, "node_modules/typescript"))).toBe(false);
  });

  it("is imported as ESM, batonjs/testing too, and runs an orchestration on SQLite", async () => {
    write(
      "esm.mjs",
      `import { activity, orchestration, createBaton, BatonError } from "batonjs";
import * as testing from "batonjs/testing";
import manifest from "batonjs/package.json" with { type: "json" };

const greet = activity("Greet", async (name) => \`Hello, \${name}!\`);
const hello = orchestration("Hello", async (ctx, name) => ctx.callActivity(greet, name));
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const baton = await createBaton({ store: "sqlite:./esm.db", functions: [greet, hello], logger });
await baton.start();
const id = await baton.client.startNew(hello, { input: "Ada" });
const done = await baton.client.waitForCompletion(id, { timeout: "2m" });
await baton.stop();
const env = await testing.createTestEnvironment({ functions: [greet, hello] });
const tested = await env.client.waitForCompletion(await env.client.startNew(hello, { input: "Bo" }));
await env.close();
console.log(JSON.stringify({ status: done.runtimeStatus, output: done.output, error: typeof BatonError, testing: Object.keys(testing), tested: tested.output, version: manifest.version }));
`,
    );
    const { stdout } = await sh(process.execPath, ["esm.mjs"], app);
    expect(JSON.parse(stdout)).toEqual({ status: "Completed", output: "Hello, Ada!", error: "function", testing: ["checkReplay", "createTestEnvironment"], tested: "Hello, Bo!", version: MANIFEST.version });
  }, TIMEOUT);

  it("is require()d from CommonJS on Node >= 20.19, batonjs/testing and batonjs/package.json too", async () => {
    write(
      "require.cjs",
      `const baton = require("batonjs");
const testing = require("batonjs/testing");
const manifest = require("batonjs/package.json");
console.log(JSON.stringify({ createBaton: typeof baton.createBaton, createClient: typeof baton.createClient, orchestration: typeof baton.orchestration, testing: Object.keys(testing), version: manifest.version }));
`,
    );
    const { stdout, stderr } = await sh(process.execPath, ["require.cjs"], app);
    expect(JSON.parse(stdout)).toEqual({ createBaton: "function", createClient: "function", orchestration: "function", testing: ["checkReplay", "createTestEnvironment"], version: MANIFEST.version });
    expect(stderr).not.toMatch(/ERR_/);
  }, TIMEOUT);

  it.each(["node16", "bundler"] as const)("type-checks a TypeScript user with moduleResolution %s", async (resolution) => {
    write(
      "use.ts",
      `import { activity, orchestration, createClient, type InstanceStatus } from "batonjs";
import * as testing from "batonjs/testing";

const double = activity("Double", async (n: number) => ({ doubled: n * 2 }));
export const flow = orchestration("Flow", async (ctx, n: number) => {
  const { doubled } = await ctx.callActivity(double, n);
  // @ts-expect-error the activity takes a number: the definitions' types arrived, not any
  await ctx.callActivity(double, "two");
  return doubled satisfies number;
});
export const status: Promise<InstanceStatus | null> = createClient({ store: "sqlite:./x.db" }).then((c) => c.getStatus("x"));
export async function testFlow(): Promise<number> {
  const env: testing.TestEnvironment = await testing.createTestEnvironment({ functions: [double, flow] });
  const done = await env.client.waitForCompletion(await env.client.startNew(flow, { input: 2 }));
  await env.close();
  return done.output satisfies number | undefined ?? env.now();
}
export const kit: typeof testing.checkReplay = testing.checkReplay;
`,
    );
    const compilerOptions =
      resolution === "node16"
        ? { module: "node16", moduleResolution: "node16" }
        : { module: "esnext", moduleResolution: "bundler" };
    write(
      `tsconfig.${resolution}.json`,
      JSON.stringify({
        compilerOptions: {
          ...compilerOptions,
          target: "es2022",
          strict: true,
          noEmit: true,
          // The shipped declarations themselves are checked: a user with skipLibCheck off must see no error.
          skipLibCheck: false,
          // The user's own @types/node; this repository's copy stands in for it.
          typeRoots: [join(REPO_ROOT, "node_modules/@types")],
          types: ["node"],
        },
        files: ["use.ts"],
      }),
    );
    const { stdout } = await sh(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`, "--traceResolution"], app);
    // Resolved through the package's exports to the shipped declarations.
    expect(stdout).toMatch(/Module name 'batonjs' was successfully resolved to '[^']*\/node_modules\/batonjs\/dist\/index\.d\.ts'/);
    expect(stdout).toMatch(/Module name 'batonjs\/testing' was successfully resolved to '[^']*\/node_modules\/batonjs\/dist\/testing\/index\.d\.ts'/);
  }, TIMEOUT);

  it("prints its version with npx baton --version and -V", async () => {
    expect((await sh("npx", ["baton", "--version"], app)).stdout).toBe(`${MANIFEST.version}\n`);
    expect((await sh("npx", ["baton", "-V"], app)).stdout).toBe(`${MANIFEST.version}\n`);
  }, TIMEOUT);

  it("serves a plain .mjs module with baton dev: an instance started from a second process completes; SIGTERM exits 0", async () => {
    write(
      "functions.mjs",
      `import { activity, orchestration } from "batonjs";
export const greet = activity("Greet", async (name) => \`Hello, \${name}!\`);
export const hello = orchestration("Hello", async (ctx, name) => ctx.callActivity(greet, name));
`,
    );
    write(
      "client.mjs",
      `import { createClient } from "batonjs";
const client = await createClient({ store: "sqlite:./dev.db" });
const id = await client.startNew("Hello", { input: "Grace", instanceId: "hello-grace" });
const done = await client.waitForCompletion(id, { timeout: "2m" });
await client.close();
console.log(JSON.stringify({ status: done.runtimeStatus, output: done.output }));
`,
    );
    const dev = start(["--store", "sqlite:./dev.db", "dev", "functions.mjs", "--port", "0"], "bin");
    const [, api] = (await dev.waitFor(/API at (http:\/\/127\.0\.0\.1:\d+)\/api\n/))!;
    // The dashboard, from the installed package's dist/ui/.
    const page = await fetch(`${api}/dashboard/`);
    expect(page.status).toBe(200);
    const script = /src="([^"]+\.js)"/.exec(await page.text())![1]!;
    expect((await fetch(`${api}/dashboard/${script}`)).status).toBe(200);

    const { stdout } = await sh(process.execPath, ["client.mjs"], app);
    expect(JSON.parse(stdout)).toEqual({ status: "Completed", output: "Hello, Grace!" });
    await dev.waitFor(/hello-grace Hello {2}completed/);
    const status = await sh("npx", ["baton", "--store", "sqlite:./dev.db", "status", "hello-grace", "--json"], app);
    expect(JSON.parse(status.stdout)).toMatchObject({ instanceId: "hello-grace", runtimeStatus: "Completed", output: "Hello, Grace!" });

    dev.child.kill("SIGTERM");
    expect(await dev.exit()).toEqual({ code: 0, signal: null });
    expect(dev.out).toMatch(/baton dev: stopped\n/);
  }, TIMEOUT);

  it("refuses a TypeScript module without tsx installed: TYPESCRIPT_LOADER_MISSING with the install command", async () => {
    write("functions.ts", `import { activity } from "batonjs";\nexport const greet = activity("Greet", async (name: string) => name);\n`);
    const dev = start(["--store", "sqlite:./ts.db", "dev", "functions.ts", "--port", "0"], "npx");
    const exit = await dev.exit();
    expect(exit.code).toBe(2); // a usage error: the fix is an install, not a retry
    expect(dev.out).toContain("baton: TYPESCRIPT_LOADER_MISSING: ");
    expect(dev.out).toContain(join(app, "functions.ts"));
    expect(dev.out).toContain("npm install --save-dev tsx");
  }, TIMEOUT);

  // After the test above: it needs the project without tsx.
  it("loads that TypeScript module once the application installs tsx (the hint's command)", async () => {
    const tsxVersion = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/tsx/package.json"), "utf8")) as { version: string }).version;
    await sh("npm", ["install", "--save-dev", `tsx@${tsxVersion}`, "--prefer-offline", "--no-audit", "--no-fund"], app);
    const dev = start(["--store", "sqlite:./ts.db", "dev", "functions.ts", "--port", "0"], "bin");
    await dev.waitFor(/API at http:\/\/127\.0\.0\.1:\d+\/api\n/);
    // The hosted functions come on the lines after the first, perhaps in a later chunk.
    await dev.waitFor(/^ {2}activity Greet$/m);
    dev.child.kill("SIGTERM");
    expect(await dev.exit()).toEqual({ code: 0, signal: null });
  }, TIMEOUT);
});
