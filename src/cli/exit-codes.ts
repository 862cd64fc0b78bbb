/**
 * The exit codes of the `baton` command, stable for scripts. An error's code decides it, the
 * same way whether the command talked to the store or to a running HTTP API.
 */
export const EXIT = {
  OK: 0,
  /** Anything unexpected. */
  FAILURE: 1,
  /** Bad arguments, options or configuration. */
  USAGE: 2,
  /** The instance or function does not exist. */
  NOT_FOUND: 3,
  /** The instance's state does not allow it (already exists, not running, not finished…). */
  CONFLICT: 4,
  /** The store or the API cannot be reached. */
  UNAVAILABLE: 5,
  /** The API refused the request: a missing or wrong token (or, without one, a non-local host name), or it is read-only. */
  UNAUTHORIZED: 6,
  /** The disk holding the store is full: nothing was written; free space and repeat the command. */
  STORE_FULL: 7,
  /** The store's file is damaged: restore a backup or recover it (docs/operations.md). */
  STORE_CORRUPT: 8,
  /** `replay-check`: a history does not replay on the code (the code would stall that instance). */
  REPLAY_DIVERGED: 9,
} as const;

const BY_CODE: Record<string, number> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  MALFORMED_JSON: EXIT.USAGE,
  SERIALIZATION_FAILED: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  ROUTE_NOT_FOUND: EXIT.USAGE,
  TYPESCRIPT_LOADER_MISSING: EXIT.USAGE,
  INSTANCE_NOT_FOUND: EXIT.NOT_FOUND,
  BULK_JOB_NOT_FOUND: EXIT.NOT_FOUND,
  NOT_REGISTERED: EXIT.NOT_FOUND,
  INSTANCE_ALREADY_EXISTS: EXIT.CONFLICT,
  INSTANCE_NOT_RUNNING: EXIT.CONFLICT,
  INSTANCE_NOT_FINISHED: EXIT.CONFLICT,
  INSTANCE_NOT_SUSPENDED: EXIT.CONFLICT,
  INSTANCE_NOT_FAILED: EXIT.CONFLICT,
  NO_CODE_LOADED: EXIT.CONFLICT,
  STORE_UNAVAILABLE: EXIT.UNAVAILABLE,
  SCHEMA_TOO_NEW: EXIT.UNAVAILABLE,
  CLOSED: EXIT.UNAVAILABLE,
  API_UNREACHABLE: EXIT.UNAVAILABLE,
  UNAUTHORIZED: EXIT.UNAUTHORIZED,
  FORBIDDEN: EXIT.UNAUTHORIZED,
  READ_ONLY: EXIT.UNAUTHORIZED,
  STORE_FULL: EXIT.STORE_FULL,
  STORE_CORRUPT: EXIT.STORE_CORRUPT,
  REPLAY_DIVERGED: EXIT.REPLAY_DIVERGED,
};

export function exitCodeOf(code: string | undefined): number {
  return (code !== undefined && BY_CODE[code]) || EXIT.FAILURE;
}
