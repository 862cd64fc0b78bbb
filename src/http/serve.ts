/**
 * Listens for the HTTP API on a Node server. Safe by default: bound to 127.0.0.1, and any
 * other address requires a bearer token, so the API is never reachable from the network
 * without one.
 */
import { getRequestListener, RequestError } from "@hono/node-server";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BatonClient } from "../client/client.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import { InvalidArgumentError } from "../errors.js";
import { bearerMatches, isOpenHealthProbe, UNAUTHORIZED_CODE, UNAUTHORIZED_MESSAGE, WWW_AUTHENTICATE } from "./auth.js";
import { createDashboard, isDashboardAsset } from "./dashboard.js";
import { createHttpApi, type HttpApiOptions } from "./http-api.js";
import { isLoginRequest, sessionCookieOf, sessionMatches } from "./session.js";

export interface ServeHttpApiOptions extends Omit<HttpApiOptions, "client"> {
  /** Default 127.0.0.1. Any non-loopback address requires `token`. */
  host?: string;
  /** Default 7071 (as Azure Functions' local host); 0 picks a free port. */
  port?: number;
  /** Require the token even on 127.0.0.1. */
  requireToken?: boolean;
  /** Serve the dashboard at /dashboard/ beside the API (default false; `baton dev/start` set it). */
  dashboard?: boolean;
}

const SERVE_OPTION_KEYS = knownKeys<ServeHttpApiOptions>()({
  host: true,
  port: true,
  requireToken: true,
  dashboard: true,
  token: true,
  readOnly: true,
  maxBodyBytes: true,
  maxWaitMs: true,
  onUnexpectedError: true,
  workerMetrics: true,
});

export interface HttpApiServer {
  /** Where it listens, e.g. http://127.0.0.1:7071 */
  readonly url: string;
  /** Stops listening and ends open connections, pending long-polls included. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_HTTP_PORT = 7071;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function serveHttpApi(client: BatonClient, options: ServeHttpApiOptions = {}): Promise<HttpApiServer> {
  checkKeys(options, SERVE_OPTION_KEYS, "serveHttpApi");
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const port = options.port ?? DEFAULT_HTTP_PORT;
  const hasToken = options.token !== undefined && options.token !== "";
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`http port must be 0–65535, got ${port}.`);
  if (!hasToken && !isLoopback(host)) {
    throw new InvalidArgumentError(
      `Binding the HTTP API to ${host} needs a token: set http.token in baton.config or BATON_HTTP_TOKEN, or bind to 127.0.0.1.`,
    );
  }
  if (!hasToken && options.requireToken) {
    throw new InvalidArgumentError("http.requireToken is set but no token is: set http.token in baton.config or BATON_HTTP_TOKEN.");
  }
  const { host: _host, port: _port, requireToken: _requireToken, dashboard, ...apiOptions } = options;
  const app = dashboard ? createDashboard({ ...apiOptions, client }) : createHttpApi({ ...apiOptions, client });
  // As @hono/node-server's serve(), plus an errorHandler: a request the adapter cannot turn into
  // a Request (a backslash in the path, a malformed Host) gets a JSON error like any other.
  const listener = getRequestListener(app.fetch, {
    hostname: host,
    errorHandler: (error) => {
      if (error instanceof RequestError) {
        return Response.json({ code: "INVALID_ARGUMENT", message: `Malformed request: ${error.message}.` }, { status: 400 });
      }
      options.onUnexpectedError?.(error);
      return Response.json({ code: "INTERNAL", message: "An unexpected error occurred; the server log has the details." }, { status: 500 });
    },
  });
  const token = hasToken ? Buffer.from(options.token!) : undefined;
  const server = await new Promise<Server>((resolve, reject) => {
    // With a token, the token (or a browser's session cookie) is checked first, on the request
    // as it arrived: a path the adapter cannot parse, a route outside /api or a body of any
    // size gets 401 like the rest. The health probe and the login are let through.
    const listening = createServer((incoming, outgoing) => {
      const open =
        isOpenHealthProbe(incoming.method, incoming.url) ||
        isLoginRequest(incoming.method, incoming.url) ||
        (dashboard === true && isDashboardAsset(incoming.method, incoming.url));
      if (token && !open && !bearerMatches(incoming.headers.authorization, token) && !sessionMatches(sessionCookieOf(incoming.headers.cookie), token)) {
        refuseUnauthorized(incoming, outgoing);
        return;
      }
      void listener(incoming, outgoing);
    });
    listening.once("error", reject);
    listening.listen(port, host, () => resolve(listening));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    // Idempotent, like client.close(): a second call resolves with the first.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Long-polls would hold close() for up to a minute: end idle and active connections.
        server.closeAllConnections();
      })),
  };
}

/** What is read of an unauthorized request's body, at most, before the connection is cut. */
const MAX_DISCARDED_BYTES = 1024 * 1024;
const DISCARD_TIMEOUT_MS = 1000;

/**
 * Answers 401 at once, without looking at the body. What the client still sends is read and
 * dropped for a while, so that it can read the answer (a socket closed on unread data is
 * reset, and the reset can wipe the answer); a body larger or slower than that bound cuts
 * the connection.
 */
function refuseUnauthorized(incoming: IncomingMessage, outgoing: ServerResponse): void {
  const body = JSON.stringify({ code: UNAUTHORIZED_CODE, message: UNAUTHORIZED_MESSAGE });
  outgoing.writeHead(401, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "www-authenticate": WWW_AUTHENTICATE });
  outgoing.end(body);
  let discarded = 0;
  const cut = (): void => void incoming.socket.destroy();
  const timer = setTimeout(cut, DISCARD_TIMEOUT_MS).unref();
  incoming.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) cut();
  });
  incoming.on("close", () => clearTimeout(timer));
  incoming.on("end", () => clearTimeout(timer));
  incoming.resume();
}
