/**
 * The one table from error code to HTTP status. Every error the API returns is a JSON body
 * `{ code, message }`; a code missing here is a bug and answers 500 (the message hidden).
 */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  // The request itself
  INVALID_ARGUMENT: 400,
  MALFORMED_JSON: 400,
  SERIALIZATION_FAILED: 400,
  UNAUTHORIZED: 401,
  /** Without a token: a request to a non-local host name, or from another site's web page. */
  FORBIDDEN: 403,
  /** The API is served read-only and the route would change something. */
  READ_ONLY: 403,
  NOT_REGISTERED: 404,
  INSTANCE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  BULK_JOB_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  // The instance's state does not allow it
  INSTANCE_ALREADY_EXISTS: 409,
  INSTANCE_NOT_FINISHED: 409,
  INSTANCE_NOT_SUSPENDED: 409,
  INSTANCE_NOT_FAILED: 409,
  /** A replay check of an orchestration this process has no code for. */
  NO_CODE_LOADED: 409,
  /** As in Azure Durable Functions: events and termination of an ended instance are 410 Gone. */
  INSTANCE_NOT_RUNNING: 410,
  // The service
  STORE_UNAVAILABLE: 503,
  SCHEMA_TOO_NEW: 503,
  CLOSED: 503,
  /** 507 Insufficient Storage: the disk holding the store is full; nothing was written. */
  STORE_FULL: 507,
  /** The store's file is damaged: no retry helps until an operator restores or recovers it. */
  STORE_CORRUPT: 500,
  INTERNAL: 500,
};

export function statusOfCode(code: string): number {
  return STATUS_OF_CODE[code] ?? 500;
}
