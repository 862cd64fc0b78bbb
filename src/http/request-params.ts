/**
 * Reading a request: query parameters (unknown and repeated ones refused), their types, the
 * list filter, the JSON body. Shared by every route module; bad input becomes a named error
 * before the client is called.
 */
import type { Context } from "hono";
import type { ListFilter } from "../client/client.js";
import { RuntimeStatus } from "../client/instance-status.js";
import { closestKey } from "../definitions/did-you-mean.js";
import { jsonDepth } from "../definitions/json-depth.js";
import { MAX_PAYLOAD_DEPTH } from "../definitions/payload.js";
import { InvalidArgumentError } from "../errors.js";

const STATUSES = Object.values(RuntimeStatus) as string[];

/** An error of the HTTP layer itself, with a stable code like the library's errors. */
export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The query parameters, refusing unknown and repeated ones (a typo must not be ignored). */
export function queryOf(c: Context, known: readonly string[]): Record<string, string | undefined> {
  const all = c.req.queries();
  const result: Record<string, string> = {};
  for (const [key, values] of Object.entries(all)) {
    if (!known.includes(key)) {
      const close = closestKey(key, known);
      const hint = known.length ? `${close ? `Did you mean "${close}"? ` : ""}Known: ${known.join(", ")}.` : "This route takes none.";
      throw new InvalidArgumentError(`Unknown query parameter "${key}". ${hint}`);
    }
    if (values.length > 1) throw new InvalidArgumentError(`Query parameter "${key}" is given ${values.length} times; give it once.`);
    result[key] = values[0]!;
  }
  return result;
}

export function booleanParam(name: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError(`${name} must be true or false, got "${value}".`);
}

export function integerParam(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}".`);
  return Number(value);
}

export function dateParam(name: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`${name} must be an ISO 8601 date, got "${value}".`);
  return date;
}

/** The filter keys shared by list and purge. */
export function commonFilter(query: Record<string, string | undefined>): Omit<ListFilter, "pageSize" | "continuationToken"> {
  const filter: Omit<ListFilter, "pageSize" | "continuationToken"> = {};
  if (query.runtimeStatus !== undefined) {
    const statuses = query.runtimeStatus.split(",").map((s) => s.trim());
    const unknown = statuses.find((s) => !STATUSES.includes(s));
    if (unknown !== undefined) throw new InvalidArgumentError(`runtimeStatus: unknown status "${unknown}". Use ${STATUSES.join(", ")}.`);
    filter.runtimeStatus = statuses as RuntimeStatus[];
  }
  if (query.name !== undefined) filter.name = query.name;
  if (query.createdFrom !== undefined) filter.createdFrom = dateParam("createdFrom", query.createdFrom);
  if (query.createdTo !== undefined) filter.createdTo = dateParam("createdTo", query.createdTo);
  if (query.instanceIdPrefix !== undefined) filter.instanceIdPrefix = query.instanceIdPrefix;
  return filter;
}

/**
 * The request's JSON body: undefined when empty. Read as JSON whatever its Content-Type, so
 * that `curl -d '"Tokyo"'` (form-encoded by default) works as users expect.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  // Before parsing: deep nesting would hold the event loop in JSON.parse, or overflow its stack.
  if (jsonDepth(text, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH) {
    throw new InvalidArgumentError(
      `The body nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are allowed. Flatten the data.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError("MALFORMED_JSON", `The body is not valid JSON: ${(error as Error).message}.`);
  }
}

export async function noBody(c: Context): Promise<void> {
  if ((await c.req.text()).trim() !== "") {
    throw new InvalidArgumentError("This route takes no body; give the reason as ?reason=….");
  }
}

