/**
 * Builds the dashboard (ui/) into dist/ui/: one minified script and one stylesheet, each named
 * by a hash of its content (served as immutable), and manifest.json naming them for
 * src/http/dashboard.ts. No source maps are shipped and nothing is fetched at run time.
 * Prints each file's gzipped size and fails past the budget.
 *
 * Usage: node scripts/build-ui.mjs   (npm run build runs it; test/global-setup.ts imports it)
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The whole dashboard, gzipped. */
const BUDGET_GZIP_BYTES = 100 * 1024;

/** How the dashboard's code is bundled: also what the timeline's test harness uses (test/browser/timeline-kit.ts). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  platform: "browser",
  jsx: "automatic",
  jsxImportSource: "preact",
  sourcemap: false,
  metafile: true,
  logLevel: "silent",
  tsconfig: join(ROOT, "ui", "tsconfig.json"),
};

/** Builds into a fresh directory, then swaps it in, so a server reading dist/ui never sees half a build. */
export async function buildUi({ outDir = join(ROOT, "dist", "ui"), quiet = false } = {}) {
  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, "ui", "main.tsx")],
    outdir: staging,
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    ...BUNDLE_OPTIONS,
    legalComments: "none",
  });
  const files = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = files.find((file) => file.endsWith(".js"));
  const style = files.find((file) => file.endsWith(".css"));
  if (!script) throw new Error("build-ui: esbuild wrote no script");
  const manifest = { script, ...(style ? { style } : {}), files };
  writeFileSync(join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(dirname(outDir), { recursive: true });
  renameSync(staging, outDir);

  const sizes = files.map((file) => ({ file, gzip: gzipSync(readFileSync(join(outDir, file))).length }));
  const total = sizes.reduce((sum, { gzip }) => sum + gzip, 0);
  if (!quiet) {
    for (const { file, gzip } of sizes) console.log(`dist/ui/${file}  ${(gzip / 1024).toFixed(1)} kB gzipped`);
    console.log(`dashboard: ${(total / 1024).toFixed(1)} kB gzipped in all (budget ${BUDGET_GZIP_BYTES / 1024} kB)`);
  }
  if (total > BUDGET_GZIP_BYTES) throw new Error(`build-ui: the dashboard is ${total} bytes gzipped, over the ${BUDGET_GZIP_BYTES}-byte budget`);
  return { manifest, totalGzipBytes: total };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildUi();
}
