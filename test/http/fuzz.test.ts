/**
 * A bounded fuzz of the HTTP API: thousands of malformed or random requests over a real socket
 * (random methods; paths from the real route templates with random segments: unicode,
 * %-encoding, dot segments, very long ids; random query strings; random bodies: invalid JSON,
 * binary, just over the body limit with and without Content-Length; wrong content types; good,
 * wrong and missing tokens). Seeded: a failure names its request and reproduces with the same
 * seed (BATON_FUZZ_SEED=<n> to try others, BATON_FUZZ_REQUESTS=<n> for a longer run).
 *
 * Asserted of every answer: no 5xx; no 3xx; every error is JSON { code, message } with a code
 * of error-status.ts whose status it has; without the right token, everything but
 * GET /api/health and the login (POST /api/session, exactly) is 401, malformed requests and unknown routes included. At the end the
 * server still answers /api/health.
 */
import http from "node:http";
import { describe, expect, it } from "vitest";
import { createHttpApi } from "../../src/http/http-api.js";
import { STATUS_OF_CODE } from "../../src/http/error-status.js";
import type { BatonClient } from "../../src/index.js";
import { waitForStatus } from "../helpers/wait.js";
import { fragileState, serve } from "./http-kit.js";

const SEED = Number(process.env.BATON_FUZZ_SEED ?? 20_261_129);
const REQUESTS = Number(process.env.BATON_FUZZ_REQUESTS ?? 3000);
const CONCURRENCY = 8;
const TOKEN = "fuzz-token";
const MAX_BODY = 2048;
const MAX_PAYLOAD = 1024;
const MAX_WAIT_MS = 30;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Send the body chunked, without Content-Length. */
  chunked: boolean;
  authorized: boolean;
  /** A target or Host the Node adapter cannot make a URL of: answered 400 before the app (after the token check). */
  malformed: boolean;
}

const BAD_HOSTS = ["a b", "x:y:z", "localhost:99999", "@", "h/ost"];
/** The real routes, e.g. { method: "POST", path: "/api/instances/:id/raiseEvent/:event" }. */
// Not the event stream: it answers for as long as the caller listens (live-stream.test.ts reads it).
const ROUTES = createHttpApi({ client: {} as BatonClient }).routes.filter((r) => r.method !== "ALL" && r.path !== "/api/stream");
const METHODS = ["GET", "GET", "POST", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"];

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;
  const ascii = (length: number, alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@~+=-") =>
    Array.from({ length }, () => alphabet[int(alphabet.length)]).join("");
  const UNICODE = ["é", "ß", "日本語", "🙂", "👩‍👩‍👧", "ﷺ", "עברית", "\u0301", "\u0000", "\u001f", "\u200b", "\uffff", "Ω≈ç√", "\u{10ffff}"];
  const unicode = () => Array.from({ length: 1 + int(4) }, () => pick(UNICODE)).join("");
  const PERCENT = ["%", "%z", "%zz", "%E0%A4%A", "%C3%28", "%00", "%2F", "%2f..%2f", "%2e%2e", "%2E", "%25", "%FF%FE", "%u0041", "%%", "%20%20"];

  const segment = (param = ""): string => {
    // Real ids and names often enough to reach the store and the instances' states.
    if ((param === ":id" || param === ":instanceId") && chance(0.35)) return pick(["done", "waiting", "failed", "later", "nobody"]);
    if (param === ":name" && chance(0.35)) return pick(["Hello", "Waiter", "Fragile"]);
    switch (int(12)) {
      case 0:
        return pick(["done", "waiting", "failed", "later", "nobody"]);
      case 1:
        return pick(["Hello", "Waiter", "Fragile", "Greet", "Nope", "hello"]);
      case 2:
        return ascii(1 + int(30));
      case 3:
        return encodeURIComponent(unicode());
      case 4:
        return pick(PERCENT) + (chance(0.5) ? ascii(int(5)) : "");
      case 5:
        return "a".repeat(150 + int(6000)); // very long ids (and names)
      case 6:
        return pick([".", "..", "", "...", "%2e", "~"]);
      case 7:
        return ascii(1 + int(10), "!$&'()*,;=:@abc"); // raw characters a path may carry
      case 8:
        return encodeURIComponent(ascii(1 + int(20), " /?#[]\"<>\\^`{|}"));
      case 9:
        return ascii(200 + int(3)); // around the id limit
      default:
        return ascii(1 + int(12));
    }
  };

  /** A method and a target path: most often a real route's, with random segments. */
  const route = (): { method: string; path: string } => {
    const real = pick(ROUTES);
    const method = chance(0.7) ? real.method : pick(METHODS);
    if (chance(0.12)) {
      const path = pick(["/", "/api", "/api/", "//api/instances", "/api/instances/", "/API/instances", "/api/health/", "/api/./health", "/api/x/../health", "/favicon.ico", "/api/instances/a/b/c/d", "/api/orchestrators", "/.env", "/api/%2e%2e/%2e%2e/etc/passwd", "/api\\instances", "/api/instances\\done", "http://evil.example/api/instances", "http://127.0.0.1/api/health"]) + (chance(0.3) ? `/${segment()}` : "");
      return { method, path };
    }
    let path = real.path.replace(/:\w+/g, (param) => segment(param));
    if (chance(0.05)) path += "/";
    if (chance(0.03)) path += `/${segment()}`;
    return { method, path };
  };

  const QUERY_KEYS = ["startAt", "reuseFinished", "showHistory", "showInput", "timeout", "reason", "runtimeStatus", "name", "createdFrom", "createdTo", "instanceIdPrefix", "pageSize", "continuationToken"];
  const queryValue = (): string =>
    pick([
      () => pick(["true", "false", "TRUE", "1", "0", "yes", ""]),
      () => pick(["Completed", "Running,Pending", "Failed,Terminated,Completed", "Suspended", "Bogus", ",", "Completed,,"]),
      () => encodeURIComponent(pick(["2020-01-01T00:00:00.000Z", "2999-12-31T23:59:59Z", "2026-06-01", "1970-01-01T00:00:00Z", "+275760-09-13T00:00:00.000Z"])),
      () => String(int(2000) - 5),
      () => pick(["10ms", "0", "1s", "29", "31", "1.5s", "-1", "1e3", "Infinity", "99999999999999999999"]),
      () => encodeURIComponent(unicode()),
      () => pick(PERCENT),
      () => ascii(int(40)),
      () => "x".repeat(int(3000)),
      () => pick(["eyJ0IjoxfQ", "W1swLCJhIl1d", "bm90IGpzb24", "W251bGwsbnVsbF0"]), // base64 JSON-ish tokens
    ])();
  const query = (): string => {
    if (chance(0.45)) return "";
    if (chance(0.08)) return pick(["?", "?&", "?=", "?&&=&", "?a=b=c", "?=x", "?#frag", "?%", "?%zz=1", "?+=+"]);
    const parts: string[] = [];
    for (let n = 1 + int(4); n > 0; n--) {
      const key = chance(0.85) ? pick(QUERY_KEYS) : chance(0.5) ? ascii(1 + int(8)) : encodeURIComponent(unicode());
      parts.push(chance(0.1) ? key : `${key}=${queryValue()}`);
      if (chance(0.05)) parts.push(parts[parts.length - 1]!); // repeated
    }
    return `?${parts.join("&")}`;
  };

  const jsonValue = (depth: number): unknown => {
    switch (int(depth > 2 ? 5 : 7)) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return (random() - 0.5) * 10 ** int(20);
      case 3:
        return unicode() + ascii(int(20));
      case 4:
        return ascii(int(50));
      case 5:
        return Array.from({ length: int(5) }, () => jsonValue(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: int(5) }, () => [chance(0.1) ? "__proto__" : ascii(1 + int(8)), jsonValue(depth + 1)]));
    }
  };
  const body = (): { body: Buffer | undefined; chunked: boolean } => {
    const chunked = chance(0.2);
    const bytes = (text: string) => Buffer.from(text, "utf8");
    switch (int(9)) {
      case 0:
        return { body: undefined, chunked: false };
      case 1:
      case 2:
        return { body: bytes(JSON.stringify(jsonValue(0)) ?? "null"), chunked };
      case 3:
        return { body: bytes(pick(["{", "{bad", "[1,]", "'x'", "undefined", "NaN", "{\"a\":}", "\"unterminated", "nul", "{}}", "\u0000", "01", ".5"])), chunked };
      case 4:
        return { body: Buffer.from(Array.from({ length: int(512) }, () => int(256))), chunked };
      case 5:
        return { body: Buffer.alloc(MAX_BODY + 1 + int(100), "x"), chunked }; // just over the limit
      case 6:
        return { body: bytes(JSON.stringify("y".repeat(MAX_PAYLOAD + int(MAX_BODY - MAX_PAYLOAD - 2)))), chunked }; // over the payload limit, under the body limit
      case 7:
        return { body: bytes(pick(["", " ", "\n\t ", "\uFEFF{}", "\uFEFF"])), chunked };
      default:
        return { body: bytes(`"${ascii(int(30))}"`), chunked };
    }
  };

  const CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----x",
    "application/octet-stream",
    "application/xml",
    "garbage/;;;",
    "",
  ];

  return (index: number): FuzzRequest => {
    const { method, path } = route();
    const headers: Record<string, string> = {};
    const authorized = chance(0.85);
    if (authorized) headers.authorization = pick([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`]);
    else if (chance(0.7)) headers.authorization = pick(["Bearer", "Bearer ", `Bearer  ${TOKEN}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${ascii(20)}`]);
    const { body: payload, chunked } = method === "GET" || method === "HEAD" ? { body: undefined, chunked: false } : body();
    if (chance(0.7)) headers["content-type"] = pick(CONTENT_TYPES);
    if (chance(0.05)) headers.accept = pick(["text/html", "*/*", "application/xml"]);
    if (chance(0.03)) headers.host = pick(["evil.example", "127.0.0.1:1", "[::1]", ...BAD_HOSTS]);
    const target = path + query();
    // (An absolute-form target names its own host: the Host header is not used then.)
    const malformed = /^[^?]*\\/.test(target) || (target.startsWith("/") && BAD_HOSTS.includes(headers.host ?? ""));
    return { index, method, path: target, headers, body: payload, chunked, authorized, malformed };
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(agent: http.Agent, port: number, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    // Node's client frames a DELETE or OPTIONS body only when told how.
    if (request.body !== undefined) headers[request.chunked ? "transfer-encoding" : "content-length"] = request.chunked ? "chunked" : String(request.body.length);
    const req = http.request({ host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 20 s")));
    req.on("error", reject);
    if (request.body !== undefined && request.chunked) {
      // Chunked transfer encoding: the body limit must hold without a Content-Length.
      for (let at = 0; at < request.body.length; at += 700) req.write(request.body.subarray(at, at + 700));
      req.end();
    } else {
      req.end(request.body);
    }
  });
}

/** The path as the app routes it: dot segments resolved, then decoded where decodable. */
function routedPath(path: string): string {
  const pathname = (/^https?:\/\//.test(path) ? new URL(path) : new URL(`http://x${path}`)).pathname;
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}

/** What is wrong with this answer, or undefined. */
function check(request: FuzzRequest, answer: Answer): string | undefined {
  const { status } = answer;
  if (status >= 500) return `a ${status}`;
  if (status < 200 || (status >= 300 && status < 400)) return `an unexpected status ${status}`;
  if (request.malformed && request.authorized) {
    const expected = status === 400 && (request.method === "HEAD" || (answer.text.includes('"code":"INVALID_ARGUMENT"') && answer.text.includes("Malformed request")));
    if (!expected) return `${status} to a malformed request`;
  }
  const routed = routedPath(request.path);
  const health = routed === "/api/health" && (request.method === "GET" || request.method === "HEAD");
  // The login brings the token in its body: its answers without one are its own (400, 401, 413).
  const login = request.method === "POST" && request.path.split("?", 1)[0] === "/api/session";
  if (!request.authorized && status < 300 && !health) return `a ${status} without the right token`;
  if (login && !request.authorized && status !== 401 && status !== 400 && status !== 413) return `${status} to a login without the token`;
  // The token is checked first: a malformed request or an unknown route without it is 401 too.
  if (!request.authorized && !health && !login && status !== 401) return `${status} instead of 401 without the right token`;
  if (status < 300) return undefined;
  if (request.method === "HEAD") return answer.text === "" ? undefined : "a HEAD answer with a body";
  if (!String(answer.headers["content-type"]).startsWith("application/json")) return `content-type ${answer.headers["content-type"]}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return "a body that is not JSON";
  }
  const { code, message, ...rest } = body as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || typeof message !== "string" || message === "" || Object.keys(rest).length > 0) return "a body that is not { code, message }";
  if (!(code in STATUS_OF_CODE)) return `an unknown code ${code}`;
  if (STATUS_OF_CODE[code] !== status) return `code ${code} with status ${status} (the table says ${STATUS_OF_CODE[code]})`;
  if (status === 401 && answer.headers["www-authenticate"] !== 'Bearer realm="baton"') return "a 401 without WWW-Authenticate";
  return undefined;
}

/** About 15 s on an idle 2-core machine, minutes on a loaded one: a bound against a hang, not a budget. */
const TEST_TIMEOUT_MS = 600_000;

describe("fuzz", () => {
  it(`answers ${REQUESTS} random and malformed requests without a 5xx, always with a { code, message } error (seed ${SEED})`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const began = Date.now();
    fragileState.broken = true;
    const served = await serve({ maxPayloadBytes: MAX_PAYLOAD, http: { token: TOKEN, maxBodyBytes: MAX_BODY, maxWaitMs: MAX_WAIT_MS } });
    const { client } = served.baton;
    await client.startNew("Hello", { instanceId: "done", input: "x" });
    await client.startNew("Waiter", { instanceId: "waiting" });
    await client.startNew("Fragile", { instanceId: "failed", input: 1 });
    await client.startNew("Waiter", { instanceId: "later", startAt: new Date(Date.now() + 3_600_000) });
    await waitForStatus(client, "done", "Completed");
    await waitForStatus(client, "failed", "Failed");

    const next = generator(prng(SEED));
    const requests = Array.from({ length: REQUESTS }, (_, i) => next(i));
    const port = Number(new URL(served.url).port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let cursor = 0;
    const describeRequest = (r: FuzzRequest) =>
      `#${r.index} ${r.method} ${r.path.length > 300 ? `${r.path.slice(0, 300)}…(${r.path.length} chars)` : r.path} ` +
      `headers=${JSON.stringify(r.headers)} body=${r.body === undefined ? "none" : `${r.body.length} bytes${r.chunked ? " chunked" : ""}: ${JSON.stringify(r.body.subarray(0, 80).toString("latin1"))}`}`;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (cursor < requests.length) {
            const request = requests[cursor++]!;
            try {
              const answer = await send(agent, port, request);
              statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
              const problem = check(request, answer);
              if (problem) failures.push(`${problem}: ${describeRequest(request)} → ${answer.status} ${answer.text.slice(0, 300)}`);
            } catch (error) {
              failures.push(`no answer (${(error as Error).message}): ${describeRequest(request)}`);
            }
          }
        }),
      );
    } finally {
      agent.destroy();
    }

    const health = await fetch(`${served.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(failures.slice(0, 20), `${failures.length} of ${REQUESTS} requests failed (seed ${SEED})`).toEqual([]);
    expect(served.unexpected).toEqual([]);
    // The fuzz reached the routes, not only the error paths.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 202, 400, 401, 404, 413]));
    expect((statuses.get(409) ?? 0) + (statuses.get(410) ?? 0)).toBeGreaterThan(0); // instance states, too
    console.log(`fuzz: ${REQUESTS} requests in ${Date.now() - began} ms (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });
});
