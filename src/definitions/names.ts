import { InvalidArgumentError } from "../errors.js";

export const MAX_NAME_LENGTH = 200;
export const MAX_INSTANCE_ID_LENGTH = 200;

// Ids appear in URLs and CLI arguments: keep them to characters that need no escaping, and "/"
// for ids built from a parent's ("order-7/item-3"): URLs carry it percent-encoded as %2F in one
// path segment (the HTTP API, its management URLs and the CLI's --url client encode it).
const INSTANCE_ID = /^[A-Za-z0-9_.:@~+=/-]+$/;

export function validateFunctionName(name: unknown, kind: string): asserts name is string {
  if (typeof name !== "string" || name.trim().length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `A ${kind} name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters, got ${JSON.stringify(name)}.`,
    );
  }
}

export function validateInstanceId(id: unknown): asserts id is string {
  if (typeof id !== "string" || id.length === 0) {
    throw new InvalidArgumentError(`An instance id must be a non-empty string, got ${JSON.stringify(id)}.`);
  }
  if (id.length > MAX_INSTANCE_ID_LENGTH) {
    throw new InvalidArgumentError(`Instance id is ${id.length} characters long; the limit is ${MAX_INSTANCE_ID_LENGTH}.`);
  }
  if (id === "." || id === "..") {
    throw new InvalidArgumentError(`Instance id ${JSON.stringify(id)} is not allowed: URLs would read it as a path step. Use letters or digits too.`);
  }
  if (!INSTANCE_ID.test(id)) {
    throw new InvalidArgumentError(
      `Instance id ${JSON.stringify(id)} has characters that are not allowed. Use letters, digits and _ . : @ ~ + = - /`,
    );
  }
}
