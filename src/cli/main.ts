/**
 * The `baton` command. Serving: `dev`, `start`. Managing instances: `start-new`, `status`, `history`,
 * `raise`, `terminate`, `suspend`, `resume`, `rewind`, `restart`, `purge`, `list`, against the
 * store (from --store, BATON_STORE or baton.config) or a running API (--url). Moving a store:
 * `migrate-store`. Checking code against saved histories: `replay-check`. Exit codes: see exit-codes.ts.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError as CommanderArgumentError, Option } from "commander";
import { loadConfig, type LoadedConfig } from "../host/load-config.js";
import { MAX_DURATION_MS } from "../definitions/duration.js";
import { BatonError } from "../errors.js";
import { RuntimeStatus } from "../client/instance-status.js";
import { migrateStore } from "../store/migrate-store.js";
import { CommandError, httpAdmin, storeAdmin, type Admin, type Filter, type StatusJson } from "./admin.js";
import { EXIT, exitCodeOf } from "./exit-codes.js";
import { short, statusCard, statusColor, table, timeline } from "./format.js";
import { serveConfig } from "./serve-config.js";

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const STATUSES = Object.values(RuntimeStatus) as string[];

interface GlobalOptions {
  config?: string;
  store?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

async function config(options: GlobalOptions): Promise<LoadedConfig> {
  return loadConfig({ cwd: process.cwd(), ...(options.config ? { explicitPath: options.config } : {}), env: process.env });
}

/**
 * The store or API the management commands talk to: --url, then --store, then BATON_URL, then
 * the config's store (BATON_STORE over the file), then sqlite:./baton.db. A flag wins over the
 * environment.
 */
async function admin(options: GlobalOptions): Promise<Admin> {
  const token = options.token ?? process.env.BATON_HTTP_TOKEN;
  if (options.url) return httpAdmin(options.url, token);
  if (options.store) return storeAdmin(options.store);
  if (process.env.BATON_URL) return httpAdmin(process.env.BATON_URL, token);
  const loaded = await config(options);
  return storeAdmin(loaded.config.store ?? "sqlite:./baton.db");
}

async function withAdmin<T>(command: Command, run: (admin: Admin, options: GlobalOptions) => Promise<T>): Promise<T> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const target = await admin(options);
  try {
    return await run(target, options);
  } finally {
    await target.close();
  }
}

function print(options: GlobalOptions, json: unknown, human: () => string): void {
  out(options.json ? JSON.stringify(json, null, 2) : human());
}

function notFound(instanceId: string): never {
  throw new CommandError("INSTANCE_NOT_FOUND", `No instance "${instanceId}". List instances with \`baton list\`.`);
}

function parseJsonArgument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CommanderArgumentError(`not JSON: ${text} (strings need quotes: '"text"')`);
  }
}

function parseDate(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new CommanderArgumentError(`not a date: ${text} (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`);
  return date;
}

function parseStatuses(text: string): RuntimeStatus[] {
  const statuses = text.split(",").map((s) => s.trim());
  const unknown = statuses.find((s) => !STATUSES.includes(s));
  if (unknown !== undefined) throw new CommanderArgumentError(`unknown status "${unknown}"; use ${STATUSES.join(", ")}`);
  return statuses as RuntimeStatus[];
}

function parseStopTimeout(text: string): number {
  const ms = parsePositive(text);
  // Checked here, not when stop() runs: a bad value must not surface only at shutdown.
  if (ms > MAX_DURATION_MS) throw new CommanderArgumentError(`longer than 100 years: ${text} (at most ${MAX_DURATION_MS} ms)`);
  return ms;
}

function parsePositive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CommanderArgumentError(`not a whole number >= 1: ${text}`);
  return n;
}

function filterOf(options: Record<string, unknown>): Filter {
  return {
    ...(options.status ? { runtimeStatus: options.status as RuntimeStatus[] } : {}),
    ...(options.name ? { name: options.name as string } : {}),
    ...(options.createdAfter ? { createdFrom: options.createdAfter as Date } : {}),
    ...(options.createdBefore ? { createdTo: options.createdBefore as Date } : {}),
    ...(options.prefix ? { instanceIdPrefix: options.prefix as string } : {}),
  };
}

function addFilterOptions(command: Command): Command {
  return command
    .option("--status <statuses>", `runtime statuses, comma-separated (${STATUSES.join(", ")})`, parseStatuses)
    .option("--name <orchestration>", "orchestration name")
    .option("--created-after <date>", "created at or after (ISO 8601)", parseDate)
    .option("--created-before <date>", "created at or before (ISO 8601)", parseDate)
    .option("--prefix <text>", "instance id prefix");
}

/** The installed package's version: package.json sits two levels up from src/cli/ and from dist/cli/ alike. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

export function program(): Command {
  const baton = new Command("baton")
    .description("Durable functions for TypeScript: run workers and the HTTP API, manage instances.")
    .version(packageVersion(), "-V, --version", "print the version of batonjs")
    .option("--config <file>", "config file (default: baton.config.{ts,mts,js,mjs,json} in this directory)")
    .option("--store <url>", "store URL (default: BATON_STORE, the config's store, or sqlite:./baton.db)")
    .option("--url <url>", "talk to a running Baton API instead of the store (or BATON_URL)")
    .option("--token <token>", "API bearer token (or BATON_HTTP_TOKEN)")
    .option("--json", "machine-readable output")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  for (const mode of ["dev", "start"] as const) {
    const command = baton
      .command(mode)
      .description(
        mode === "dev"
          ? "run a worker and the HTTP API on the embedded store, printing every instance's progress"
          : "run a worker and the HTTP API for production; stops gracefully on SIGTERM",
      )
      .argument("[module]", "module exporting the functions (default: the config's functions)")
      .option("--port <port>", "HTTP port (default 7071; 0 picks one)", (text) => {
        const port = Number(text);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommanderArgumentError(`not a port: ${text}`);
        return port;
      })
      .option("--host <host>", "HTTP host (default 127.0.0.1; other hosts need a token)")
      .option("--read-only", "the HTTP API refuses every route that changes something (403 READ_ONLY)")
      .addOption(new Option("--stop-timeout <ms>", "how long running work may take to finish on stop").default(30_000).argParser(parseStopTimeout));
    if (mode === "dev") command.option("--watch", "reload the functions when their files or the config change");
    if (mode === "dev") command.option("--guard", "make the clock, randomness and timers throw inside orchestration code");
    command.action(
      async (
        module: string | undefined,
        options: { port?: number; host?: string; readOnly?: boolean; stopTimeout: number; watch?: boolean; guard?: boolean },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const flags = {
          ...(globals.config ? { config: globals.config } : {}),
          ...(globals.store ? { store: globals.store } : {}),
          ...(globals.token ? { token: globals.token } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.host ? { host: options.host } : {}),
          ...(options.readOnly ? { readOnly: true } : {}),
          ...(options.guard ? { guard: true } : {}),
        };
        const loaded = await serveConfig(process.cwd(), flags);
        const shared = { config: loaded.config, baseDir: loaded.baseDir, module, stopTimeoutMs: options.stopTimeout, out };
        // Loaded here, not at the top: the management commands never load the worker.
        const running = options.watch
          ? await (await import("./watch.js")).watchDev({ ...shared, configFile: loaded.file, flags })
          : await (await import("./serve-command.js")).serve({ ...shared, mode });
        await new Promise<void>((resolve) => {
          const onSignal = (): void => {
            process.off("SIGTERM", onSignal);
            process.off("SIGINT", onSignal);
            void running.stop().then(resolve);
          };
          process.on("SIGTERM", onSignal);
          process.on("SIGINT", onSignal);
        });
      },
    );
  }

  baton
    .command("start-new")
    .description("start an instance of an orchestration; prints its id")
    .argument("<orchestration>", "orchestration name")
    .argument("[input]", "input as JSON", parseJsonArgument)
    .option("--id <instanceId>", "the instance id (default: a random UUID)")
    .option("--start-at <date>", "start no earlier than this time (ISO 8601)", parseDate)
    .action((name: string, input: unknown, opts: { id?: string; startAt?: Date }, command: Command) =>
      withAdmin(command, async (target, options) => {
        const instanceId = await target.startNew(name, {
          ...(input === undefined ? {} : { input }),
          ...(opts.id === undefined ? {} : { instanceId: opts.id }),
          ...(opts.startAt === undefined ? {} : { startAt: opts.startAt }),
        });
        print(options, { instanceId, name, started: true }, () => instanceId);
      }),
    );

  baton
    .command("status")
    .description("show an instance's status")
    .argument("<instanceId>")
    .action((instanceId: string, _options: unknown, command: Command) =>
      withAdmin(command, async (target, options) => {
        const status = (await target.status(instanceId, false)) ?? notFound(instanceId);
        print(options, status, () => statusCard(status));
      }),
    );

  baton
    .command("history")
    .description("show an instance's history as a timeline")
    .argument("<instanceId>")
    .action((instanceId: string, _options: unknown, command: Command) =>
      withAdmin(command, async (target, options) => {
        const status = (await target.status(instanceId, true)) ?? notFound(instanceId);
        print(options, status.history ?? [], () => `${statusCard(status)}\n\n${timeline(status.history ?? [])}`);
      }),
    );

  baton
    .command("raise")
    .description("send an event to a running instance")
    .argument("<instanceId>")
    .argument("<event>", "event name")
    .argument("[data]", "event data as JSON", parseJsonArgument)
    .action((instanceId: string, event: string, data: unknown, _options: unknown, command: Command) =>
      withAdmin(command, async (target, options) => {
        await target.raise(instanceId, event, data);
        print(options, { instanceId, event, raised: true }, () => `raised "${event}" on ${instanceId}`);
      }),
    );

  for (const [action, description] of [
    ["terminate", "terminate a running instance"],
    ["suspend", "suspend a running instance"],
    ["resume", "resume a suspended instance"],
    ["rewind", "rewind a failed instance to before the failing step"],
  ] as const) {
    baton
      .command(action)
      .description(description)
      .argument("<instanceId>")
      .option("--reason <text>", "recorded in the history")
      .action((instanceId: string, opts: { reason?: string }, command: Command) =>
        withAdmin(command, async (target, options) => {
          await target.act(action, instanceId, opts.reason);
          print(options, { instanceId, action, accepted: true }, () => `${action}: ${instanceId}`);
        }),
      );
  }

  baton
    .command("restart")
    .description("start a finished instance over under the same id")
    .argument("<instanceId>")
    .action((instanceId: string, _options: unknown, command: Command) =>
      withAdmin(command, async (target, options) => {
        await target.restart(instanceId);
        print(options, { instanceId, restarted: true }, () => `restarted ${instanceId}`);
      }),
    );

  addFilterOptions(
    baton
      .command("purge")
      .description("delete finished instances and their history: one by id, or all matching the filters")
      .argument("[instanceId]"),
  ).action((instanceId: string | undefined, opts: Record<string, unknown>, command: Command) =>
    withAdmin(command, async (target, options) => {
      const filter = filterOf(opts);
      if (instanceId !== undefined) {
        if (Object.keys(filter).length > 0) throw new CommandError("INVALID_ARGUMENT", "Give an instance id or filters, not both.");
        if (!(await target.purge(instanceId))) notFound(instanceId);
        print(options, { purged: 1 }, () => `purged ${instanceId}`);
        return;
      }
      if (Object.keys(filter).length === 0) {
        throw new CommandError("INVALID_ARGUMENT", "Purge what? Give an instance id, or filters such as --status Completed --created-before 2026-01-01.");
      }
      const progress = process.stderr.isTTY && !options.json;
      const purged = await target.purgeWhere(filter, (count) => {
        if (progress) process.stderr.write(`\rpurged ${count}…`);
      });
      if (progress) process.stderr.write("\r\u001b[K");
      print(options, { purged }, () => `purged ${purged} instance${purged === 1 ? "" : "s"}`);
    }),
  );

  addFilterOptions(baton.command("list").description("list instances, oldest first"))
    .option("--limit <n>", "at most this many (default 100)", parsePositive)
    .option("--all", "every matching instance, page after page")
    .action((opts: Record<string, unknown>, command: Command) =>
      withAdmin(command, async (target, options) => {
        const limit = opts.all ? Infinity : ((opts.limit as number | undefined) ?? 100);
        const instances: StatusJson[] = [];
        let continuationToken: string | undefined;
        do {
          const page = await target.list({
            ...filterOf(opts),
            pageSize: Math.min(1000, limit - instances.length),
            ...(continuationToken ? { continuationToken } : {}),
          });
          instances.push(...page.instances);
          continuationToken = page.continuationToken;
        } while (continuationToken && instances.length < limit);
        print(options, instances, () =>
          instances.length === 0
            ? "no instances"
            : table(
                ["INSTANCE", "NAME", "STATUS", "CREATED", "OUTPUT"],
                instances.map((s) => [s.instanceId, s.name, statusColor(s.runtimeStatus), s.createdAt, short(s.output ?? s.failureDetails?.message, 40)]),
              ) + (continuationToken ? `\n(more: --limit or --all)` : ""),
        );
      }),
    );

  addFilterOptions(
    baton
      .command("replay-check")
      .description("replay saved histories (files, or the store's instances) against a functions module; exit 9 on divergence")
      .argument("<module>", "the module exporting your definitions")
      .argument("[files...]", "history JSON files; without them, every matching instance of the store"),
  ).action(async (modulePath: string, files: string[], opts: Record<string, unknown>, command: Command) => {
    // Loaded on use: replaying needs the engine, which the other management commands do not.
    const { readHistoryFile, replayCheck, storeHistories } = await import("./replay-check.js");
    const options = command.optsWithGlobals<GlobalOptions>();
    const printResults = (results: unknown, human: () => string): void => print(options, results, human);
    if (files.length > 0) return replayCheck(modulePath, async () => files.flatMap(readHistoryFile), printResults);
    return withAdmin(command, (target) => replayCheck(modulePath, () => storeHistories(target, filterOf(opts)), printResults));
  });

  baton
    .command("migrate-store")
    .description("copy a SQLite store into an empty PostgreSQL schema (stop every worker first)")
    .argument("<from>", "sqlite: URL")
    .argument("<to>", "postgres:// URL")
    .action(async (from: string, to: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const progress = process.stderr.isTTY && !options.json;
      const counts = await migrateStore(from, to, {
        onProgress: (tableName, copied, total) => {
          if (progress) process.stderr.write(`\r${tableName}: ${copied}/${total}\u001b[K`);
        },
      });
      if (progress) process.stderr.write("\r\u001b[K");
      print(options, counts, () => table(["TABLE", "ROWS"], Object.entries(counts).map(([name, rows]) => [name, String(rows)])));
    });

  return baton;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv as string[], { from: "user" });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; commander already printed its message.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const code = error instanceof BatonError || error instanceof CommandError ? error.code : undefined;
    process.stderr.write(`baton: ${code ? `${code}: ` : ""}${(error as Error).message}\n`);
    if (code === undefined && process.env.BATON_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return exitCodeOf(code);
  }
}
