/**
 * Listens for the HTTP API on a Node server. Safe by default: bound to 127.0.0.1, and any
 * other address requires a bearer token, so the API is never reachable from the network
 * without one.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { BatonClient } from "../client/client.js";
import { InvalidArgumentError } from "../errors.js";
import { createHttpApi, type HttpApiOptions } from "./http-api.js";

export interface ServeHttpApiOptions extends Omit<HttpApiOptions, "client"> {
  /** Default 127.0.0.1. Any non-loopback address requires `token`. */
  host?: string;
  /** Default 7071 (as Azure Functions' local host); 0 picks a free port. */
  port?: number;
  /** Require the token even on 127.0.0.1. */
  requireToken?: boolean;
}

export interface HttpApiServer {
  /** Where it listens, e.g. http://127.0.0.1:7071 */
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_HTTP_PORT = 7071;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function serveHttpApi(client: BatonClient, options: ServeHttpApiOptions = {}): Promise<HttpApiServer> {
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
  const app = createHttpApi({ ...options, client });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(listening));
    listening.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Long-polls would hold close() for up to a minute: end idle and active connections.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
