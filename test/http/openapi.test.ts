/**
 * The OpenAPI document against the app's real routes (Hono's app.routes): every documented
 * path and method exists, every real /api route is documented, and every error code and
 * status the document names is in error-status.ts.
 */
import { describe, expect, it } from "vitest";
import { createHttpApi } from "../../src/http/http-api.js";
import { STATUS_OF_CODE } from "../../src/http/error-status.js";
import { openApiDocument } from "../../src/http/openapi.js";
import type { BatonClient } from "../../src/index.js";

interface Operation {
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: { Error: { properties: { code: { enum: string[] } } } } };
  info: { description: string };
}

const doc = openApiDocument() as Document;
// The routes do not call the client while being listed.
const app = createHttpApi({ client: {} as BatonClient });
const METHODS = ["get", "post", "put", "delete", "patch", "head", "options"];

/** "/api/instances/{id}/raiseEvent/{event}" → "/api/instances/:id/raiseEvent/:event" */
const toHono = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((key) => METHODS.includes(key))
    .map((method) => `${method.toUpperCase()} ${toHono(path)}`),
);
// app.use() middleware shows up as method ALL: not a route of its own.
const real = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api")).map((r) => `${r.method} ${r.path}`);

describe("openapi.json against the real routes", () => {
  it("is OpenAPI 3.1 and lists at least the routes we know", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(real.length).toBeGreaterThanOrEqual(15);
    expect(app.routes.some((r) => r.method === "ALL")).toBe(true); // the middleware entries we skip
  });

  it("documents only real routes", () => {
    for (const entry of documented) expect(real, entry).toContain(entry);
  });

  it("documents every real /api route", () => {
    for (const entry of real) expect(documented, entry).toContain(entry);
    expect(new Set(documented).size).toBe(documented.length);
    expect(new Set(real).size).toBe(real.length);
  });

  it("names the path parameters of each path, and only those", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, operation] of Object.entries(item)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
        expect(declared, `${method} ${path}`).toEqual(inPath);
      }
    }
  });

  it("enumerates only error codes of error-status.ts, and all of them", () => {
    const codes = doc.components.schemas.Error.properties.code.enum;
    for (const code of codes) expect(Object.keys(STATUS_OF_CODE), code).toContain(code);
    expect([...codes].sort()).toEqual(Object.keys(STATUS_OF_CODE).sort());
    for (const [code, status] of Object.entries(STATUS_OF_CODE)) expect(doc.info.description).toContain(`${code} ${status}`);
  });

  it("documents error responses only with statuses some code of the table answers, as the Error schema", () => {
    const statuses = new Set(Object.values(STATUS_OF_CODE).map(String));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect(statuses, `${method} ${path} ${status}`).toContain(status);
          expect(response.content?.["application/json"]?.schema.$ref, `${method} ${path} ${status}`).toBe("#/components/schemas/Error");
        }
      }
    }
  });
});
