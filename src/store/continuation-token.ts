import { InvalidArgumentError } from "../errors.js";

/** Keyset pagination: a token is the (createdAt, instanceId) of the last row of a page. */
export function encodeToken(key: [number, string]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeToken(token: string): [number, string] {
  try {
    const key = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(key) && typeof key[0] === "number" && typeof key[1] === "string") return [key[0], key[1]];
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError("continuationToken is not one this store issued. Pass the token from the previous page unchanged.");
}
