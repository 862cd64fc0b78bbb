/**
 * openStore: URL -> Store. Malformed URLs and unusable paths are StoreUnavailableError; a
 * store written by newer code is SchemaTooNewError and stays byte for byte as it was;
 * migrations are safe to run again and from several processes at once; the SQLite file is in
 * WAL mode with synchronous=FULL unless the URL says otherwise.
 */
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, createClient, SchemaTooNewError, StoreUnavailableError } from "../../src/index.js";
import { openStore } from "../../src/store/open-store.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { CommitOp, Store } from "../../src/store/store.js";
import type { EpisodeResult } from "../../src/engine/command.js";
import { snapshotSqlite } from "../helpers/store-snapshot.js";
import { tempDir } from "../helpers/temp-store.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/open-many-stores.ts", import.meta.url));

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function open(url: string): Promise<SqliteStore> {
  const store = await openStore(url);
  stores.push(store);
  return store as SqliteStore;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

function migrationRows(path: string): { version: number; applied_at: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version").all() as {
      version: number;
      applied_at: number;
    }[];
  } finally {
    db.close();
  }
}

const ALL_VERSIONS = MIGRATIONS.map((_, i) => i + 1);

describe("malformed store URLs", () => {
  it.each([
    ["", ['got ""', '"sqlite:./baton.db"']],
    ["postgres-nope", ['"postgres-nope" is not supported', '"sqlite:./baton.db"']],
    ["sqlite:", ['"sqlite:" has no file path', '"sqlite:/abs/path.db"']],
    ["sqlite:?synchronous=FULL", ["has no file path"]],
    ["mysql://x", ['"mysql://x" is not supported', '"sqlite:./baton.db"']],
    ["sqlite:./x.db?synchronous=BOGUS", ['"sqlite:./x.db?synchronous=BOGUS"', "synchronous must be one of OFF, NORMAL, FULL, EXTRA"]],
  ])("rejects %j with StoreUnavailableError", async (url, mentions) => {
    const existedBefore = existsSync(resolve("x.db"));
    const error = await rejection(openStore(url));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe("STORE_UNAVAILABLE");
    for (const mention of mentions) expect(error.message).toContain(mention);
    expect(existsSync(resolve("x.db"))).toBe(existedBefore);
  });

  it("rejects a URL that is not a string", async () => {
    const error = await rejection(openStore(undefined as never));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain("store must be a URL");
  });

  it("creates no file for a bad synchronous setting", async () => {
    const dir = tempDir();
    const error = await rejection(openStore(`sqlite:${join(dir, "baton.db")}?synchronous=SOMETIMES`));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is what createBaton and createClient reject with too", async () => {
    const fromBaton = await rejection(createBaton({ store: "mysql://x", functions: [] }));
    expect(fromBaton).toBeInstanceOf(StoreUnavailableError);
    const fromClient = await rejection(createClient({ store: "sqlite:" }));
    expect(fromClient).toBeInstanceOf(StoreUnavailableError);
  });
});

describe("unusable paths", () => {
  it("rejects a path in a missing directory and does not create it", async () => {
    const dir = tempDir();
    const path = join(dir, "missing", "deeper", "baton.db");
    const error = await rejection(openStore(`sqlite:${path}`));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain(path);
    expect(error.message).toContain("Check that the directory exists and is writable");
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("rejects a path under a regular file (unwritable even for root)", async () => {
    const dir = tempDir();
    const file = join(dir, "plain.txt");
    writeFileSync(file, "not a directory");
    const path = join(file, "baton.db");
    const error = await rejection(openStore(`sqlite:${path}`));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain(path);
    expect(readFileSync(file, "utf8")).toBe("not a directory");
  });

  it("rejects a file that is not a SQLite database and leaves it as it was", async () => {
    const dir = tempDir();
    const path = join(dir, "notes.db");
    const text = "these are notes, not a database\n".repeat(200);
    writeFileSync(path, text);
    const error = await rejection(openStore(`sqlite:${path}`));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain(path);
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

describe("a store with a newer schema", () => {
  async function newerStore(): Promise<{ url: string; path: string; version: number }> {
    const path = join(tempDir(), "baton.db");
    const url = `sqlite:${path}`;
    const store = await openStore(url);
    await store.createInstance(
      { instanceId: "kept", name: "Anything", executionId: "e-1", input: '{"keep":true}', startAt: 0, reuseFinished: false },
      Date.now(),
    );
    await store.close();
    const version = MIGRATIONS.length + 3;
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version, Date.now());
    db.exec("CREATE TABLE from_the_future (id INTEGER PRIMARY KEY, note TEXT)");
    db.prepare("INSERT INTO from_the_future (note) VALUES (?)").run("written by a newer baton");
    db.close();
    return { url, path, version };
  }

  it("is refused with SchemaTooNewError and left unchanged", async () => {
    const { url, path, version } = await newerStore();
    const rows = snapshotSqlite(path);
    const bytes = readFileSync(path);
    const error = await rejection(openStore(url));
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(error).toMatchObject({ code: "SCHEMA_TOO_NEW", storeVersion: version, codeVersion: MIGRATIONS.length });
    expect(error.message).toContain(`version ${version}`);
    expect(error.message).toContain("Upgrade batonjs");
    expect(snapshotSqlite(path)).toEqual(rows);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(migrationRows(path).map((r) => r.version)).toEqual([...ALL_VERSIONS, version]);
  });

  it("is refused before its journal mode is switched to WAL", async () => {
    // A file in rollback-journal mode: switching it to WAL rewrites its header.
    const { url, path, version } = await newerStore();
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const bytes = readFileSync(path);
    const error = await rejection(openStore(url));
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(error).toMatchObject({ storeVersion: version });
    const reopened = new Database(path, { readonly: true });
    try {
      expect(reopened.pragma("journal_mode", { simple: true })).toBe("delete");
    } finally {
      reopened.close();
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("is refused by createBaton and createClient the same way", async () => {
    const { url, path } = await newerStore();
    const rows = snapshotSqlite(path);
    const fromBaton = await rejection(createBaton({ store: url, functions: [] }));
    expect(fromBaton).toBeInstanceOf(SchemaTooNewError);
    const fromClient = await rejection(createClient({ store: url }));
    expect(fromClient).toBeInstanceOf(SchemaTooNewError);
    expect(snapshotSqlite(path)).toEqual(rows);
  });
});

describe("migrations", () => {
  it("record one row per migration and are not run again on the next open", async () => {
    const path = join(tempDir(), "baton.db");
    const first = await openStore(`sqlite:${path}`);
    await first.close();
    const afterFirst = migrationRows(path);
    expect(afterFirst.map((r) => r.version)).toEqual(ALL_VERSIONS);
    const second = await openStore(`sqlite:${path}`);
    await second.close();
    expect(migrationRows(path)).toEqual(afterFirst);
  });

  it("upgrade a version-1 file: its one-row-per-event history becomes segments and replays the same", async () => {
    const path = join(tempDir(), "baton.db");
    const v1 = new Database(path);
    v1.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    v1.exec(MIGRATIONS[0]!);
    v1.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1)").run();
    const events = [
      { type: "EpisodeStarted", timestamp: 1 },
      { type: "ExecutionStarted", timestamp: 1, name: "Old", executionId: "e-1", input: '"in"' },
      { type: "TaskScheduled", timestamp: 1, seq: 0, name: "Step", input: '"in"', attempt: 1 },
      { type: "EpisodeStarted", timestamp: 2 },
      { type: "TaskCompleted", timestamp: 2, seq: 0, output: '"out"' },
    ];
    v1.prepare(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at, history_length)
       VALUES ('old-1', 'Old', 'e-1', 'Running', 1, 2, 1, ?)`,
    ).run(events.length);
    const insert = v1.prepare("INSERT INTO history (instance_id, position, event) VALUES ('old-1', ?, ?)");
    events.forEach((event, position) => insert.run(position, JSON.stringify(event)));
    v1.close();

    const store = await open(`sqlite:${path}`);
    expect(await store.getHistory("old-1")).toEqual(events);
    expect(migrationRows(path).map((r) => r.version)).toEqual(ALL_VERSIONS);
    const tables = store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).not.toContain("history");
  });

  it("upgrade a version-8 file: queued messages keep their ids, and an id is never given again once its message is gone", async () => {
    const path = join(tempDir(), "baton.db");
    const v8 = new Database(path);
    v8.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    for (const [index, migration] of MIGRATIONS.slice(0, 8).entries()) {
      v8.exec(migration);
      v8.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)").run(index + 1);
    }
    v8.prepare(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
       VALUES ('old-1', 'Old', 'e-1', 'Pending', 1, 1, 1)`,
    ).run();
    const start = JSON.stringify({ type: "ExecutionStarted", name: "Old", executionId: "e-1" });
    v8.prepare("INSERT INTO inbox (id, instance_id, message, visible_at) VALUES (7, 'old-1', ?, 1)").run(start);
    v8.close();

    const store = await open(`sqlite:${path}`);
    const now = Date.now();
    const claim = (workerId: string) =>
      store.claim({
        orchestrations: { workerId, names: ["Old"], limit: 1, leaseMs: 60_000, now, stalledBefore: 0, maxMessages: 10 },
        activities: { workerId, names: [], limit: 0, leaseMs: 60_000, now },
      });
    const [item] = (await claim("w1")).orchestrations;
    expect(item!.messages.map((m) => m.id)).toEqual([7]);
    const episode: EpisodeResult = { newEvents: [{ type: "EpisodeStarted", timestamp: now }], commands: [], runtimeStatus: "Running" };
    const op: CommitOp = { type: "episode", instanceId: "old-1", executionId: "e-1", leaseToken: item!.leaseToken, historyLengthBefore: 0, consumedMessageIds: [7], result: episode };
    expect((await store.commit([op], now)).outcomes).toEqual(["ok"]);
    // The inbox is empty now; the next message must not take id 7 again.
    await store.sendMessage("old-1", { type: "EventRaised", name: "next" }, now);
    const [next] = (await claim("w2")).orchestrations;
    expect(next!.messages[0]!.id).toBeGreaterThan(7);
  });

  it("let two stores be open on one file at once, each seeing the other's writes", async () => {
    const path = join(tempDir(), "baton.db");
    const [a, b] = await Promise.all([open(`sqlite:${path}`), open(`sqlite:${path}`)]);
    await a.createInstance(
      { instanceId: "from-a", name: "Anything", executionId: "e-1", input: undefined, startAt: 0, reuseFinished: false },
      Date.now(),
    );
    expect(await b.getInstance("from-a")).toMatchObject({ instanceId: "from-a", runtimeStatus: "Pending" });
    expect(migrationRows(path).map((r) => r.version)).toEqual(ALL_VERSIONS);
  });

  // Child processes compile the sources at start: seconds when idle, a minute or more under load.
  it("are safe when several processes open the same fresh files at the same moment", { timeout: 300_000 }, async () => {
    const dir = tempDir();
    const processes = 4;
    const files = 20;
    const children = Array.from({ length: processes }, () =>
      spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(files), "40"], {
        cwd: REPO_ROOT,
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    const outputs = children.map((child) => {
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const ready = new Promise<void>((resolveReady, rejectReady) => {
        child.stdout.on("data", () => stdout.startsWith("ready\n") && resolveReady());
        child.on("exit", (code) => rejectReady(new Error(`child exited with ${code} before it was ready: ${stderr}`)));
      });
      const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveExit) =>
        child.on("exit", (code) => resolveExit({ code, stdout, stderr })),
      );
      return { ready, exited };
    });
    await Promise.all(outputs.map((o) => o.ready));
    const startAt = String(Date.now() + 1000); // time for each child to get it first, even on a busy machine
    for (const child of children) child.stdin.write(`${startAt}\n`);
    const results = await Promise.all(outputs.map((o) => o.exited));

    const failures = results.flatMap(({ code, stdout, stderr }) => {
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout.split("\n").filter(Boolean).pop()!) as { failures: string[] };
      return report.failures;
    });
    expect(failures).toEqual([]);
    for (let k = 0; k < files; k++) {
      expect(migrationRows(join(dir, `store-${k}.db`)).map((r) => r.version)).toEqual(ALL_VERSIONS);
    }
  });
});

describe("SQLite settings", () => {
  it("uses WAL and synchronous=FULL by default", async () => {
    const store = await open(`sqlite:${join(tempDir(), "baton.db")}`);
    expect(store.database.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.database.pragma("synchronous", { simple: true })).toBe(2); // FULL
  });

  it.each([
    ["NORMAL", 1],
    ["normal", 1],
    ["OFF", 0],
    ["EXTRA", 3],
    ["FULL", 2],
  ])("honours ?synchronous=%s", async (setting, expected) => {
    const store = await open(`sqlite:${join(tempDir(), "baton.db")}?synchronous=${setting}`);
    expect(store.database.pragma("synchronous", { simple: true })).toBe(expected);
    expect(store.database.pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("resolves a relative path against the working directory", async () => {
    const dir = tempDir();
    const rel = relative(process.cwd(), join(dir, "relative.db"));
    const store = await open(`sqlite:./${rel}`);
    expect(store.url).toBe(`sqlite:./${rel}`);
    expect(existsSync(join(dir, "relative.db"))).toBe(true);
    expect(store.database.name).toBe(resolve(dir, "relative.db"));
  });
});
