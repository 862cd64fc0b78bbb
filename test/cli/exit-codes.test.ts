/**
 * Every error code the HTTP API can answer maps to a deliberate exit code of `baton`, so a
 * command run with --url exits as it would against the store (only INTERNAL is a failure).
 */
import { expect, it } from "vitest";
import { EXIT, exitCodeOf } from "../../src/cli/exit-codes.js";
import { STATUS_OF_CODE } from "../../src/http/error-status.js";

it("maps each HTTP error code to the exit code of its class", () => {
  const byStatus: Record<number, number> = {
    400: EXIT.USAGE,
    401: EXIT.UNAUTHORIZED,
    403: EXIT.UNAUTHORIZED,
    404: EXIT.NOT_FOUND,
    409: EXIT.CONFLICT,
    410: EXIT.CONFLICT,
    413: EXIT.USAGE,
    500: EXIT.FAILURE,
    503: EXIT.UNAVAILABLE,
    507: EXIT.STORE_FULL,
  };
  /** Not a bug, though answered 500: a damaged store file has an exit code of its own. */
  const ownCode: Record<string, number> = { ROUTE_NOT_FOUND: EXIT.USAGE, STORE_CORRUPT: EXIT.STORE_CORRUPT };
  const expected = Object.fromEntries(
    Object.entries(STATUS_OF_CODE).map(([code, status]) => [code, ownCode[code] ?? byStatus[status]]),
  );
  expect(Object.fromEntries(Object.keys(STATUS_OF_CODE).map((code) => [code, exitCodeOf(code)]))).toEqual(expected);
  expect(exitCodeOf("API_UNREACHABLE")).toBe(EXIT.UNAVAILABLE);
  expect(exitCodeOf(undefined)).toBe(EXIT.FAILURE);
});
