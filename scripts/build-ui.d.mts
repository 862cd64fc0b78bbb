/** Types of build-ui.mjs, for the TypeScript that imports it (test/global-setup.ts). */
export interface UiManifest {
  script: string;
  style?: string;
  files: string[];
}
export function buildUi(options?: { outDir?: string; quiet?: boolean }): Promise<{ manifest: UiManifest; totalGzipBytes: number }>;
/** How the dashboard's code is bundled (esbuild options), shared with the timeline's test harness. */
export const BUNDLE_OPTIONS: import("esbuild").BuildOptions;
