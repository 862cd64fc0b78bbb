/**
 * The dashboard: the HTTP API and, beside it under /dashboard, the browser app built from ui/
 * by scripts/build-ui.mjs. One Hono app to mount (or let `serveHttpApi({ dashboard: true })`
 * and `baton dev/start` listen for it). The page and its assets hold no data — everything
 * shown comes from /api under the API's auth — so they are served to anyone who can reach
 * the server, with a Content-Security-Policy that allows nothing but this origin.
 *
 * The assets are read once, when the app is created: from dist/ui/ beside the compiled
 * package, or, run from sources, from the checkout's dist/ui/ (test/global-setup.ts builds it).
 */
import { existsSync, readFileSync } from "node:fs";
import type { Hono } from "hono";
import { checkKeys } from "../definitions/options.js";
import { createHttpApi, HTTP_API_OPTION_KEYS, type HttpApiOptions } from "./http-api.js";

/** The dashboard takes the HTTP API's options: the API it serves beside the page is that one. */
export type DashboardOptions = HttpApiOptions;

const DASHBOARD_PATH = "/dashboard";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";
const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
};

interface Manifest {
  script: string;
  style?: string;
  files: string[];
}

interface Assets {
  indexHtml: string;
  files: Map<string, { body: Uint8Array<ArrayBuffer>; contentType: string }>;
}

/**
 * The HTTP API (as createHttpApi) with the dashboard at /dashboard/.
 *
 * @example
 * const app = new Hono();
 * app.route("/", createDashboard({ client: baton.client }));
 * // open http://localhost:3000/dashboard/
 */
export function createDashboard(options: DashboardOptions): Hono {
  checkKeys(options, HTTP_API_OPTION_KEYS, "createDashboard"); // a typo is named as the caller wrote it
  const app = createHttpApi(options);
  const assets = loadAssets();
  const secure = (headers: Record<string, string>): Record<string, string> => ({
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    ...headers,
  });

  // The page's URLs (assets, ../api/) are relative, so the app works mounted under any prefix;
  // they resolve only with the slash. The redirect is relative too, for the same reason.
  app.get(DASHBOARD_PATH, (c) => c.redirect(`dashboard/${new URL(c.req.url).search}`, 308));
  app.get(`${DASHBOARD_PATH}/`, (c) => {
    if (!assets) {
      return c.body(NOT_BUILT_HTML, 503, secure({ "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }));
    }
    return c.body(assets.indexHtml, 200, secure({ "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }));
  });
  app.get(`${DASHBOARD_PATH}/:file`, (c) => {
    const file = assets?.files.get(c.req.param("file"));
    if (!file) return c.body("Not found", 404, secure({ "content-type": "text/plain; charset=utf-8" }));
    return c.body(file.body, 200, secure({ "content-type": file.contentType, "cache-control": IMMUTABLE }));
  });
  return app;
}

const NOT_BUILT_HTML =
  "<!doctype html><title>Baton</title><p>The dashboard's files are not built. Run <code>npm run build</code> (it writes dist/ui/).</p>\n";

function assetsDir(): URL | undefined {
  const candidates = [new URL("../ui/", import.meta.url), new URL("../../dist/ui/", import.meta.url)];
  return candidates.find((dir) => existsSync(new URL("manifest.json", dir)));
}

function loadAssets(): Assets | undefined {
  const dir = assetsDir();
  if (!dir) return undefined;
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8")) as Manifest;
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; contentType: string }>();
  for (const name of manifest.files) {
    const extension = /\.\w+$/.exec(name)?.[0] ?? "";
    files.set(name, { body: new Uint8Array(readFileSync(new URL(name, dir))), contentType: CONTENT_TYPES[extension] ?? "application/octet-stream" });
  }
  return { indexHtml: indexHtml(manifest), files };
}

function indexHtml(manifest: Manifest): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    "<title>Baton</title>",
    '<link rel="icon" href="data:,">',
    manifest.style ? `<link rel="stylesheet" href="${manifest.style}">` : "",
    `<script type="module" src="${manifest.script}"></script>`,
    "</head>",
    '<body><div id="app"></div></body>',
    "</html>",
    "",
  ].join("\n");
}

/** Whether a request, as it arrived, is for the dashboard's page or assets (open: they hold no data). */
export function isDashboardAsset(method: string | undefined, target: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  const path = (target ?? "").split("?", 1)[0]!;
  return path === DASHBOARD_PATH || /^\/dashboard\/[\w.-]*$/.test(path);
}
