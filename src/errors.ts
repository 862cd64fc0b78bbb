/**
 * Every public error of Baton. Each class has a stable string `code` that callers,
 * the HTTP API and the CLI can rely on; messages name the subject and the fix.
 */

/** Details of an error as stored in history and shown in status (`failureDetails`). */
export interface ErrorDetails {
  name: string;
  message: string;
  stack?: string;
}

export class BatonError extends Error {
  readonly code: string = "BATON_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An activity failed after all its attempts (or its retry policy gave up). */
export class ActivityFailedError extends BatonError {
  override readonly code = "ACTIVITY_FAILED";
  override readonly cause: ErrorDetails;
  constructor(
    readonly activityName: string,
    readonly attempts: number,
    cause: ErrorDetails,
  ) {
    super(`Activity "${activityName}" failed after ${attempts} attempt(s): ${cause.name}: ${cause.message}`);
    this.cause = cause;
  }
}

/** A sub-orchestration ended Failed or Terminated (or could not start); `cause` says why. */
export class SubOrchestrationFailedError extends BatonError {
  override readonly code = "SUB_ORCHESTRATION_FAILED";
  override readonly cause: ErrorDetails;
  constructor(
    readonly orchestrationName: string,
    readonly instanceId: string,
    cause: ErrorDetails,
  ) {
    super(`Sub-orchestration "${orchestrationName}" (instance "${instanceId}") failed: ${cause.name}: ${cause.message}`);
    this.cause = cause;
  }
}

/**
 * What works on a stalled instance (one whose episode cannot run, e.g. after a
 * NonDeterminismError): it stays Running, and rewind does not apply (it is not Failed).
 */
export const STALLED_INSTANCE_FIX =
  "Deploy code compatible with its history (or guard the change with ctx.patched()): a worker started with it runs the instance again and it continues by itself. Or terminate it.";

/** Replayed orchestration code did not match its recorded history. */
export class NonDeterminismError extends BatonError {
  override readonly code = "NON_DETERMINISM";
}

export class InstanceNotFoundError extends BatonError {
  override readonly code = "INSTANCE_NOT_FOUND";
  constructor(readonly instanceId: string) {
    super(`No orchestration instance with id "${instanceId}" exists. Check the id, or list instances with client.list().`);
  }
}

export class InstanceAlreadyExistsError extends BatonError {
  override readonly code = "INSTANCE_ALREADY_EXISTS";
  constructor(readonly instanceId: string) {
    super(
      `An instance with id "${instanceId}" already exists. Choose another id, or pass { reuseFinished: true } to replace it once it has finished.`,
    );
  }
}

export class InstanceNotRunningError extends BatonError {
  override readonly code = "INSTANCE_NOT_RUNNING";
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: string,
    detail = "it no longer accepts events or commands",
  ) {
    super(`Instance "${instanceId}" is ${runtimeStatus}; ${detail}.`);
  }
}

export class InstanceNotSuspendedError extends BatonError {
  override readonly code = "INSTANCE_NOT_SUSPENDED";
  constructor(readonly instanceId: string, readonly runtimeStatus: string) {
    super(`Instance "${instanceId}" is ${runtimeStatus}, not Suspended; only a suspended instance can be resumed.`);
  }
}

export class InstanceNotFailedError extends BatonError {
  override readonly code = "INSTANCE_NOT_FAILED";
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: string,
    /** The code of the instance's stall, when it is stalled: rewind is not what helps then. */
    readonly stalledCode?: string,
  ) {
    super(
      stalledCode === undefined
        ? `Instance "${instanceId}" is ${runtimeStatus}, not Failed; only a failed instance can be rewound (a finished one can be restarted).`
        : `Instance "${instanceId}" is ${runtimeStatus} and stalled (${stalledCode}), not Failed, so it cannot be rewound. ${STALLED_INSTANCE_FIX}`,
    );
  }
}

export class InstanceNotFinishedError extends BatonError {
  override readonly code = "INSTANCE_NOT_FINISHED";
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: string,
    action: "purging" | "restarting" = "purging",
  ) {
    super(`Instance "${instanceId}" is ${runtimeStatus}; terminate it or wait for it to finish before ${action}.`);
  }
}

export class NotRegisteredError extends BatonError {
  override readonly code = "NOT_REGISTERED";
  constructor(
    readonly functionName: string,
    readonly kind: string,
    /** The known name a misspelt one most likely meant, or what the name is instead (e.g. an activity). */
    readonly suggestion?: { name: string; isKind?: string },
  ) {
    super(
      `No ${kind} named "${functionName}" is registered in this process or announced by a worker.${hintOf(kind, suggestion)} ` +
        `Add it to createBaton({ functions }) or check the spelling.`,
    );
  }
}

function hintOf(kind: string, suggestion: { name: string; isKind?: string } | undefined): string {
  if (suggestion === undefined) return "";
  if (suggestion.isKind !== undefined) return ` "${suggestion.name}" is an ${suggestion.isKind}, not an ${kind}.`;
  return ` Did you mean "${suggestion.name}"?`;
}

/**
 * A replay check was asked of a process that does not have the orchestration's code: it can
 * only replay against the functions registered in it (createBaton({ functions })).
 */
export class NoCodeLoadedError extends BatonError {
  override readonly code = "NO_CODE_LOADED";
  constructor(readonly orchestrationName: string) {
    super(
      `This process has no code for orchestration "${orchestrationName}": a replay check runs against the functions registered here. ` +
        `Ask a process that hosts it (e.g. \`baton dev\` on its module), or run \`baton replay-check\` with the module.`,
    );
  }
}

/** A value cannot be carried as JSON (a function, a BigInt, a cycle, a symbol...). */
export class SerializationError extends BatonError {
  override readonly code = "SERIALIZATION_FAILED";
}

export class PayloadTooLargeError extends BatonError {
  override readonly code = "PAYLOAD_TOO_LARGE";
  constructor(readonly what: string, readonly bytes: number, readonly limitBytes: number) {
    super(
      `${what} is ${bytes} bytes, over the limit of ${limitBytes} bytes. Store large data elsewhere and pass a reference, or raise maxPayloadBytes.`,
    );
  }
}

export class TimeoutError extends BatonError {
  override readonly code = "TIMEOUT";
}

/** An argument given to a public function is not valid. Nothing was written. */
export class InvalidArgumentError extends BatonError {
  override readonly code = "INVALID_ARGUMENT";
}

/** The store URL is malformed, or the store cannot be opened there. */
export class StoreUnavailableError extends BatonError {
  override readonly code = "STORE_UNAVAILABLE";
}

/**
 * The disk holding the store is full: the write was refused and nothing of it was written.
 * A worker waits for space on its own; a client call can be repeated once space is freed.
 * `path` names the store: its file (SQLite), or its URL without the password and with its
 * schema (PostgreSQL, `onServer`: the disk is the database server's).
 */
export class StoreFullError extends BatonError {
  override readonly code = "STORE_FULL";
  constructor(readonly path: string, options?: { cause?: unknown; onServer?: boolean }) {
    super(
      options?.onServer
        ? `The database server of the store "${path}" has no disk space left for it (${(options.cause as Error | undefined)?.message ?? "disk full"}); nothing was written. Free space on the server's disk that holds its data directory or the store's tablespace (or give it a larger one), then repeat the call. A running worker resumes on its own once writes succeed again.`
        : `The disk holding the store "${path}" is full; nothing was written. Free space on that disk (or move the store to a larger one), then repeat the call. A running worker resumes on its own once writes succeed again.`,
      options,
    );
  }
}

/**
 * The store's file is damaged (or is not a SQLite database). Baton writes nothing more to a
 * file it found damaged; reads may still be attempted. docs/operations.md says how to recover.
 */
export class StoreCorruptError extends BatonError {
  override readonly code = "STORE_CORRUPT";
  constructor(readonly path: string, readonly detail: string, options?: { cause?: unknown }) {
    super(
      `The store file "${path}" is damaged (${detail}); Baton will not write to it. Stop every process using it, keep a copy of the file with its -wal, and restore a backup or recover the data into a new file with sqlite3 ".recover": see "Damaged SQLite file" in docs/operations.md. If the store URL points at the wrong file, fix the URL.`,
      options,
    );
  }
}

/** The store was written by a newer version of Baton than this one. */
export class SchemaTooNewError extends BatonError {
  override readonly code = "SCHEMA_TOO_NEW";
  constructor(readonly storeVersion: number, readonly codeVersion: number) {
    super(
      `The store's schema is at version ${storeVersion}, newer than this version of Baton understands (${codeVersion}). Upgrade batonjs; never point older code at a newer store.`,
    );
  }
}

/** The reason given to an activity's signal when its instance ended while it ran: its result will not be used. */
export class ActivityCancelledError extends BatonError {
  override readonly code = "ACTIVITY_CANCELLED";
  constructor(
    readonly instanceId: string,
    readonly activityName: string,
  ) {
    super(`Instance "${instanceId}" has ended; the result of activity "${activityName}" will not be used.`);
  }
}

/**
 * What awaiting a cancelled durable timer rejects with (in the orchestration), at the moment
 * `cancel()` is called: a cancelled timer never fires, so it never resolves.
 */
export class TimerCancelledError extends BatonError {
  override readonly code = "TIMER_CANCELLED";
  constructor(
    readonly instanceId: string,
    /** When the timer would have fired. */
    readonly fireAt: Date,
  ) {
    super(
      `Instance "${instanceId}": the timer due at ${fireAt.toISOString()} was cancelled, so it will never fire. ` +
        `Await a timer only while it is not cancelled (check timer.isCancelled), or catch TimerCancelledError.`,
    );
  }
}

/** The baton or client has been stopped or closed. */
export class ClosedError extends BatonError {
  override readonly code = "CLOSED";
}

/**
 * Histories replayed against the code did not fit it (the test kit's checkReplays and close()):
 * the code changed in a way that instances already in flight would stall on. `divergences`
 * names, per instance, the first event where code and history part.
 */
export class ReplayDivergedError extends BatonError {
  override readonly code = "REPLAY_DIVERGED";
  constructor(
    readonly divergences: readonly { instanceId: string; name: string; divergence: { index: number; message: string } }[],
  ) {
    super(
      `${divergences.length} histor${divergences.length === 1 ? "y does" : "ies do"} not replay against the code: ` +
        divergences.map((d) => `instance "${d.instanceId}" (${d.name}), event ${d.divergence.index}: ${d.divergence.message}`).join("; ") +
        ` Guard the change with ctx.patched(), or give the new code a new orchestration name.`,
    );
  }
}

/**
 * A test armed a crash (`env.crash`) that the run never reached: the test proved nothing about
 * that crash. Check the point, the instance id and `nth`.
 */
export class CrashNotReachedError extends BatonError {
  override readonly code = "CRASH_NOT_REACHED";
  constructor(readonly crashes: readonly string[]) {
    super(
      `The test environment closed before ${crashes.length === 1 ? "a crash it armed was" : `${crashes.length} crashes it armed were`} reached: ` +
        `${crashes.join(", ")}. Check the crash point, the instance id and nth, and await the workflow before close().`,
    );
  }
}

/**
 * A TypeScript module or config file must be loaded at run time and the optional peer
 * dependency tsx, which loads it, is not installed.
 */
export class TypeScriptLoaderMissingError extends BatonError {
  override readonly code = "TYPESCRIPT_LOADER_MISSING";
  constructor(readonly path: string, options?: { cause?: unknown }) {
    super(
      `${path} is TypeScript, and loading it without a build step needs tsx, which is not installed. ` +
        "Run `npm install --save-dev tsx` (a plain dependency where production loads TypeScript too), or point Baton at the compiled JavaScript.",
      options,
    );
  }
}

/**
 * Orchestration code of a worker created with `determinismGuard: true` read the clock,
 * randomness or a timer, which would differ when the code replays. The episode stalls.
 */
export class NondeterministicCallError extends BatonError {
  override readonly code = "NONDETERMINISTIC_CALL";
  constructor(
    readonly call: string,
    readonly orchestrationName: string,
    readonly replacement: string,
  ) {
    super(`${call} inside orchestration "${orchestrationName}" is not deterministic: use ${replacement}`);
  }
}

/** Converts any thrown value into stored error details. */
export function toErrorDetails(error: unknown): ErrorDetails {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: "Error", message: typeof error === "string" ? error : safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
