/**
 * The PostgreSQL connection pool and the one way the store talks through it: a transaction
 * (or a single read) retried on transient failures — serialization failures, deadlocks, a
 * dropped connection, a server restarting — with capped exponential backoff. A server out of
 * disk space is not transient: that failure is StoreFullError, for every call alike.
 */
import pg from "pg";
import { BatonError, ClosedError, StoreFullError, StoreUnavailableError } from "../../errors.js";
import { redact } from "../redact-url.js";

/**
 * A statement the store sends often. With prepared statements on (the default) it is parsed
 * and planned once per connection under its name, then only executed: for the store's larger
 * statements that halves their time on the server. Off, each is sent as unnamed (a pooler in
 * transaction mode that cannot keep prepared statements needs that).
 */
export interface Statement {
  name: string;
  text: string;
}

/** What a transaction body talks through: any SQL, or one of the store's frequent statements. */
export interface Sql {
  query: pg.PoolClient["query"];
  run<R extends pg.QueryResultRow>(statement: Statement, values: unknown[]): Promise<pg.QueryResult<R>>;
}

/** BIGINT (times in ms, serial ids) as numbers: every value Baton stores is far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** SQLSTATEs after which running the transaction again is safe and likely to succeed. */
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
  "57P01", // admin_shutdown (pg_terminate_backend, server stopping)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (server starting up)
  "53300", // too_many_connections
]);

const TRANSIENT_NODE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTCONN", "EAI_AGAIN"]);

export function isTransient(error: unknown): boolean {
  // A cut the caller asked to hear of is its to handle, not the retry loop's.
  if (error instanceof BatonError || error instanceof ConnectionCutError) return false;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith("08") || TRANSIENT_NODE_CODES.has(code)) return true;
  }
  const message = (error as Error)?.message ?? "";
  // node-postgres reports a socket closed under it, or a pool with no free connection for
  // connectionTimeoutMillis, with these messages and no code.
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection|Client was closed|timeout exceeded when trying to connect/i.test(message);
}

/**
 * disk_full: the server could not extend a file of the store's tables (its data directory or
 * their tablespace has no room). The statement failed, so its transaction rolled back: nothing
 * of it was written. Not its neighbours: 53200 (out of memory) and 53300 (too many connections,
 * transient) are no sign of a full disk.
 */
const DISK_FULL = "53100";

/** The error a call of the store fails with: StoreFullError for a full disk, else the driver's error. */
function namedFault(error: unknown, store: string): unknown {
  if ((error as { code?: unknown } | null)?.code !== DISK_FULL) return error;
  return new StoreFullError(store, { cause: error, onServer: true });
}

/** What one try of a transaction reached: a connection, the COMMIT. */
export interface AttemptState {
  committing: boolean;
  connected: boolean;
}

/**
 * The pause before the next try, after a transient failure of one that reached `attempt` and
 * waited `previousMs` before it (0 for the first): doubling from 5 ms to 1 s, but 5 ms again
 * when the try had its connection and lost it (see withRetry).
 */
export function nextRetryPauseMs(previousMs: number, attempt: AttemptState, error: unknown): number {
  if (attempt.connected && isConnectionCut(error)) return 5;
  return Math.min(Math.max(previousMs * 2, 5), 1000);
}

/** The connection died under the statement (its backend was terminated, or the socket cut). */
function isConnectionCut(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === "57P01" || code === "ECONNRESET" || code === "EPIPE") return true;
  // The last: a statement sent on a connection whose death was noticed between two statements.
  return /Connection terminated|terminating connection|encountered a connection error/i.test((error as Error)?.message ?? "");
}

/**
 * A try of a transaction lost its connection under it and was not tried again, because the caller
 * asked to hear of it (`TransactionOptions.onCut: "throw"`). What the try wrote is unknown when
 * `duringCommit`. `cause` is the driver's error.
 */
export class ConnectionCutError extends Error {
  constructor(
    readonly duringCommit: boolean,
    options: { cause: unknown },
  ) {
    super(`The connection to PostgreSQL was cut during a transaction (${(options.cause as Error)?.message ?? String(options.cause)}).`, options);
    this.name = "ConnectionCutError";
  }
}

export interface ConnectionOptions {
  connectionString: string;
  schema: string;
  poolSize: number;
  /** How long transient failures are retried before the call fails with StoreUnavailableError. */
  retryForMs: number;
  /** Send frequent statements as named prepared statements (see Statement). */
  preparedStatements: boolean;
}

export interface TransactionOptions {
  /** Its writes are fenced or idempotent: safe to run again after a COMMIT whose answer was lost. */
  ambiguousCommitSafe: boolean;
  /** How long transient failures are retried (default: the connection's retryForMs). */
  retryForMs?: number;
  /** It writes only leases: its commit does not wait for the WAL flush. */
  leasesOnly?: boolean;
  /**
   * What a try whose connection was cut under it leads to: another try (the default), or a
   * `ConnectionCutError` (a caller that can make its transaction shorter, see commit-in-pieces.ts).
   * Tries that could not connect, and other transient failures, are tried again either way.
   */
  onCut?: "retry" | "throw";
}

export class Connection {
  readonly pool: pg.Pool;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(readonly options: ConnectionOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      types: TYPES,
      // Every connection of this store sees its own schema first: several apps share one database.
      options: `-c search_path=${quoteIdent(options.schema)}`,
      connectionTimeoutMillis: 10_000,
      // Detects a peer that vanished without closing (failover, network cut) instead of hanging.
      keepAlive: true,
    });
    // An idle connection killed by the server (restart, pg_terminate_backend) must not crash the
    // process: the pool drops it and the next checkout opens a new one.
    this.pool.on("error", () => undefined);
    // Nor one killed just as it opened: pg-pool hands a new connection over (dropping its own
    // listener) while still reading the server's first answer, which may carry the FATAL.
    this.pool.on("connect", (client) => client.on("error", () => undefined));
  }

  /**
   * Runs `body` in one transaction, again from the start after a transient failure. A failure
   * while COMMIT was in flight leaves its outcome unknown: the body runs again only when
   * `ambiguousCommitSafe` (its writes are fenced or idempotent); otherwise the call fails.
   */
  transaction<T>(body: (sql: Sql) => Promise<T>, options: TransactionOptions): Promise<T> {
    const { ambiguousCommitSafe, retryForMs = this.options.retryForMs, leasesOnly = false, onCut = "retry" } = options;
    return this.track(() =>
      this.withRetry(retryForMs, async (state) => {
        const client = await this.pool.connect();
        state.connected = true;
        let broken: unknown;
        // The connection can die between two statements (no query to reject): without a
        // listener that 'error' event would crash the process. The next statement then fails.
        const onError = (error: Error): void => void (broken = error);
        client.on("error", onError);
        try {
          // One round trip either way: a simple query may hold several statements.
          await client.query(leasesOnly ? "BEGIN; SET LOCAL synchronous_commit TO off" : "BEGIN");
          const result = await body({ query: client.query.bind(client), run: (statement, values) => client.query(this.config(statement, values)) });
          state.committing = true;
          await client.query("COMMIT");
          return result;
        } catch (error) {
          if (isTransient(error)) broken = error;
          else await client.query("ROLLBACK").catch((rollbackError: unknown) => (broken = rollbackError));
          if (onCut === "throw" && isTransient(error) && isConnectionCut(error)) throw new ConnectionCutError(state.committing, { cause: error });
          if (state.committing && !ambiguousCommitSafe && isTransient(error)) {
            throw new StoreUnavailableError(
              `The connection to PostgreSQL was lost while committing; the write may or may not have been applied. Check its effect (e.g. getStatus) before repeating it.`,
              { cause: error },
            );
          }
          throw error;
        } finally {
          client.off("error", onError);
          // A connection that failed mid-transaction is discarded, not returned to the pool.
          client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
        }
      }),
    );
  }

  /** Statements without parameters, sent together in one round trip as one transaction; not retried. */
  async simpleTransaction(statements: string): Promise<void> {
    await this.track(() => this.pool.query(`BEGIN; ${statements} COMMIT;`));
  }

  /** One statement outside a transaction (reads), retried like a transaction. */
  query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.track(() => this.withRetry(this.options.retryForMs, () => this.pool.query<R>(text, values)));
  }

  /** One of the store's frequent statements outside a transaction (reads), retried like one. */
  run<R extends pg.QueryResultRow>(statement: Statement, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.track(() => this.withRetry(this.options.retryForMs, () => this.pool.query<R>(this.config(statement, values))));
  }

  private config(statement: Statement, values: unknown[]): pg.QueryConfig {
    return this.options.preparedStatements ? { name: statement.name, text: statement.text, values } : { text: statement.text, values };
  }

  /**
   * Runs `attempt` until it succeeds, a non-transient error, or `retryForMs`. The pause grows
   * (5 ms doubling to 1 s) while the server refuses or cannot serve; it starts again from 5 ms
   * after an attempt that had its connection and lost it (its backend was terminated): the
   * server is up and a new connection is likely to work at once. Under a storm of terminated
   * backends, a growing pause only made finished work wait seconds to commit.
   */
  private async withRetry<T>(retryForMs: number, attempt: (state: AttemptState) => Promise<T>): Promise<T> {
    const deadline = Date.now() + retryForMs;
    for (let delayMs = 0; ; ) {
      const state: AttemptState = { committing: false, connected: false };
      try {
        return await attempt(state);
      } catch (error) {
        if (!isTransient(error)) throw error;
        delayMs = nextRetryPauseMs(delayMs, state, error);
        if (Date.now() + delayMs > deadline) {
          throw new StoreUnavailableError(
            `PostgreSQL did not answer for ${retryForMs} ms (${(error as Error).message}). Check that the server is up and reachable.`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random())));
      }
    }
  }

  /**
   * The store in messages: the server and database of its URL, without the password, and its
   * schema. Other URL parameters are left out: one of them may carry a password too.
   */
  get storeName(): string {
    const { connectionString, schema } = this.options;
    if (!URL.canParse(connectionString)) return `schema "${schema}"`;
    const url = new URL(connectionString);
    url.search = "";
    url.searchParams.set("schema", schema);
    return redact(url.toString());
  }

  private track<T>(start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError("The store is closed."));
    const work = start().catch((error: unknown) => {
      throw namedFault(error, this.storeName);
    });
    this.inFlight.add(work);
    const forget = (): void => void this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Lets calls already made finish, then closes every connection; later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
