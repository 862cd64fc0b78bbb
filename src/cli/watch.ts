/**
 * `baton dev --watch`: a supervisor that serves the HTTP API and runs the worker in a child
 * process (watch-child.ts), replaced whenever the functions module's tree or the config file
 * changes. A child per load, because ESM never forgets an imported module: re-importing in
 * one process would run the old code of every file the module imports.
 *
 * The API lives in this process, on the store, for the whole session: its port never changes,
 * and requests during a swap are answered as always (a start, an event, a terminate is stored;
 * the next worker acts on it). Nothing in flight is lost: the old worker stops gracefully,
 * its work stays in the store, and the next one carries on from there.
 *
 * A reload: the new child loads the code first; if it fails (a syntax error), the old one keeps
 * running and the next save retries. Otherwise the old child stops, then the new one starts.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, extname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BatonClient } from "../client/client.js";
import { RuntimeStatus } from "../client/instance-status.js";
import type { BatonConfig } from "../host/config.js";
import { createClient } from "../host/create-client.js";
import { InvalidArgumentError } from "../errors.js";
import { serveHttpApi, type HttpApiServer } from "../http/serve.js";
import { TreeWatcher } from "./file-watcher.js";
import { describeDiff, diffFunctions, type FunctionPrint } from "./fingerprint.js";
import { dim, red, yellow } from "./format.js";
import { checkHttp, DEFAULT_STORE, functionsModule, httpApiOptions, printBanner } from "./serve-command.js";
import type { ServeFlags } from "./serve-config.js";
import type { MetricFamily } from "../observability/prometheus-text.js";
import { settingsOf, type ChildArgs, type ChildMessage, type SupervisorMessage } from "./watch-protocol.js";

export interface WatchOptions {
  config: BatonConfig;
  /** The config file read, watched too. */
  configFile: string | undefined;
  baseDir: string;
  module: string | undefined;
  flags: ServeFlags;
  stopTimeoutMs: number;
  out: (line: string) => void;
}

/** In-flight instances counted per changed orchestration, at most. */
const MAX_COUNTED = 10_000;
const CHILD = fileURLToPath(new URL(`./watch-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export async function watchDev(options: WatchOptions): Promise<{ stop(): Promise<void> }> {
  const { config, out } = options;
  const modulePath = functionsModule({ ...options, mode: "dev" });
  if (!existsSync(modulePath)) {
    throw new InvalidArgumentError(`The functions module ${modulePath} does not exist. Pass the module that exports your definitions.`);
  }
  checkHttp(config.http);
  const store = config.store ?? DEFAULT_STORE;
  const client = await createClient({ store, ...(config.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: config.maxPayloadBytes }) });
  let server: HttpApiServer;
  let session: WatchSession | undefined;
  try {
    // The workers' figures are recorded in the worker process: ask it at each scrape.
    server = await serveHttpApi(client, { ...httpApiOptions(config.http), workerMetrics: () => session?.workerMetrics() ?? [] });
  } catch (error) {
    await client.close();
    throw error;
  }
  session = new WatchSession(options, client, store, server.url);
  await session.begin(modulePath);
  return { stop: () => session.stop(server) };
}

class WatchSession {
  private current: WorkerProcess | undefined;
  private functions: FunctionPrint[] = [];
  /** Functions the worker said no one hosts: a reload that adds one says it is hosted now. */
  private readonly unhosted = new Set<string>();
  private watcher: TreeWatcher | undefined;
  private readonly pendingFiles = new Set<string>();
  private reloading: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly settings: string;

  constructor(
    private readonly options: WatchOptions,
    private readonly client: BatonClient,
    private readonly store: string,
    private readonly url: string,
  ) {
    this.settings = settingsOf(options.config);
  }

  /** What the running worker process recorded (none while no worker runs). */
  async workerMetrics(): Promise<MetricFamily[]> {
    return (await this.current?.metrics()) ?? [];
  }

  async begin(modulePath: string): Promise<void> {
    const { out } = this.options;
    const next = this.spawn();
    const loaded = await next.loaded;
    printBanner(out, "dev", "error" in loaded ? [] : loaded.functions, this.store, this.url);
    if ("error" in loaded) this.sayFailed(loaded.error);
    else await this.swapTo(next, loaded.functions);
    const root = dirname(modulePath);
    const store = this.store.startsWith("sqlite:") ? resolve(this.store.slice("sqlite:".length).split("?")[0]!) : undefined;
    const ignored = new Set(store ? ["", "-wal", "-shm", "-journal"].map((suffix) => store + suffix) : []);
    this.watcher = new TreeWatcher(root, this.options.configFile ? [this.options.configFile] : [], ignored, (files) => this.changed(files));
    this.watcher.start();
    const config = this.options.configFile ? ` and ${this.show(this.options.configFile)}` : "";
    out(dim(`baton dev: watching ${this.show(root) || "."}${config} for changes (Ctrl-C stops)`));
  }

  async stop(server: HttpApiServer): Promise<void> {
    return (this.stopping ??= (async () => {
      const { out, stopTimeoutMs } = this.options;
      out(`baton dev: stopping (running work may take up to ${stopTimeoutMs} ms)…`);
      this.watcher?.close();
      await server.close();
      await this.reloading;
      await this.current?.stop();
      await this.client.close();
      out("baton dev: stopped");
    })());
  }

  private changed(files: string[]): void {
    for (const file of files) this.pendingFiles.add(file);
    if (this.reloading || this.stopping) return;
    this.reloading = (async () => {
      while (this.pendingFiles.size > 0 && !this.stopping) {
        const batch = [...this.pendingFiles];
        this.pendingFiles.clear();
        await this.reload(batch).catch((error: unknown) => this.options.out(red(`baton dev: reload failed: ${(error as Error).message}`)));
      }
      this.reloading = undefined;
    })();
  }

  private async reload(files: string[]): Promise<void> {
    const { out, stopTimeoutMs } = this.options;
    out(`baton dev: changed ${files.map((file) => this.show(file)).join(", ")}`);
    const next = this.spawn();
    const loaded = await next.loaded;
    if ("error" in loaded) return this.sayFailed(loaded.error);
    if (loaded.settings !== this.settings) {
      out(yellow("baton dev: the config's store or http settings changed; they apply when baton dev is restarted (the other settings apply now)."));
    }
    const diff = diffFunctions(this.functions, loaded.functions);
    for (const fn of diff.changed) if (fn.kind === "orchestration") await this.warnInFlight(fn.name);
    out(`baton dev: reloading: ${describeDiff(diff)} (running work may take up to ${stopTimeoutMs} ms to finish)…`);
    await this.current?.stop();
    await this.swapTo(next, loaded.functions);
    out(`baton dev: reloaded`);
    for (const fn of diff.added) {
      if (this.unhosted.delete(`${fn.kind} ${fn.name}`)) out(`baton dev: ${fn.kind} "${fn.name}" is hosted now: the work waiting for it goes on.`);
    }
  }

  private async swapTo(next: WorkerProcess, functions: FunctionPrint[]): Promise<void> {
    this.current = next;
    this.functions = functions;
    await next.start();
  }

  private sayFailed(error: string): void {
    const { out } = this.options;
    const still = this.current ? "the previous code keeps running" : "no worker runs";
    out(red(`baton dev: the functions failed to load; ${still} until a save fixes it:`));
    for (const line of error.split("\n")) out(red(`  ${line}`));
  }

  /** Instances of a changed orchestration replay against the new code: say how many, and what guards them. */
  private async warnInFlight(name: string): Promise<void> {
    let count = 0;
    let continuationToken: string | undefined;
    const statuses = [RuntimeStatus.Pending, RuntimeStatus.Running, RuntimeStatus.Suspended];
    do {
      const page = await this.client.list({ name, runtimeStatus: statuses, pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
      count += page.instances.length;
      continuationToken = page.continuationToken;
    } while (continuationToken && count < MAX_COUNTED);
    if (count === 0) return;
    const instances = `${count}${continuationToken ? "+" : ""} instance${count === 1 ? " is" : "s are"}`;
    this.options.out(
      yellow(
        `baton dev: warning: orchestration "${name}" changed while ${instances} in flight (Pending, Running or Suspended). ` +
          `They replay their history against the new code: a change to the calls already made fails them with a NonDeterminismError. ` +
          `Keep the old path for them with ctx.patched("<change-id>") (docs/api.md, ctx.patched).`,
      ),
    );
  }

  private spawn(): WorkerProcess {
    const { options } = this;
    const args: ChildArgs = { cwd: process.cwd(), flags: options.flags, module: options.module, store: this.store, stopTimeoutMs: options.stopTimeoutMs };
    const child = new WorkerProcess(args, (kind, name) => this.unhosted.add(`${kind} ${name}`));
    void child.exited.then((code) => {
      if (child === this.current && !child.stopRequested && !this.stopping) {
        this.current = undefined;
        this.options.out(red(`baton dev: the worker exited (code ${code}); save a file to start it again.`));
      }
    });
    return child;
  }

  private show(path: string): string {
    const shown = relative(process.cwd(), path);
    return shown.startsWith("..") || isAbsolute(shown) ? path : shown;
  }
}

/** One worker child process, over its IPC channel. */
class WorkerProcess {
  readonly loaded: Promise<{ functions: FunctionPrint[]; settings: string } | { error: string }>;
  readonly exited: Promise<number | null>;
  stopRequested = false;
  private readonly process: ChildProcess;
  private started: (() => void) | undefined;
  private readonly metricsAsked = new Map<number, (families: MetricFamily[]) => void>();
  private lastMetricsId = 0;

  constructor(args: ChildArgs, onUnhosted: (kind: string, name: string) => void) {
    this.process = fork(CHILD, [JSON.stringify(args)], { cwd: args.cwd, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.exited = new Promise((resolve) => this.process.on("exit", (code) => resolve(code)));
    this.loaded = new Promise((resolve) => {
      this.process.on("message", (message: ChildMessage) => {
        if (message.type === "loaded") resolve({ functions: message.functions, settings: message.settings });
        if (message.type === "failed") resolve({ error: message.message });
        if (message.type === "started") this.started?.();
        if (message.type === "unhosted") onUnhosted(message.kind, message.name);
        if (message.type === "metrics") this.metricsAsked.get(message.id)?.(message.families);
      });
      void this.exited.then((code) => resolve({ error: `The worker process exited (code ${code}) before loading the functions.` }));
    });
  }

  /** Starts the loaded worker; settles once it runs or has exited. */
  async start(): Promise<void> {
    const running = new Promise<void>((resolve) => (this.started = resolve));
    this.send({ type: "start" });
    await Promise.race([running, this.exited]);
  }

  /** What the worker recorded so far; none if the process exits before it answers. */
  async metrics(): Promise<MetricFamily[]> {
    const id = ++this.lastMetricsId;
    const answered = new Promise<MetricFamily[]>((resolve) => this.metricsAsked.set(id, resolve));
    this.send({ type: "metrics", id });
    try {
      return await Promise.race([answered, this.exited.then(() => [])]);
    } finally {
      this.metricsAsked.delete(id);
    }
  }

  /** Lets running work finish (the child's stop timeout), then the child exits. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.send({ type: "stop" });
    await this.exited;
  }

  private send(message: SupervisorMessage): void {
    if (this.process.connected) this.process.send(message);
  }
}
