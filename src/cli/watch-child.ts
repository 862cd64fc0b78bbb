/**
 * The worker process of `baton dev --watch` (the supervisor is watch.ts). A fresh process per
 * reload is what makes a reload real: ESM keeps every imported module, and what it imports,
 * for the life of a process.
 *
 * Its course, driven over the IPC channel:
 * loading → "loaded" (the functions' fingerprints) or "failed" (the error, then exit 1)
 * → on "start": the worker runs, printing the timeline, → "started"
 * → on "stop", SIGTERM or the supervisor gone: a graceful stop, then exit 0.
 * SIGINT is the supervisor's to act on (Ctrl-C reaches the whole process group).
 */
import { BatonError } from "../errors.js";
import { processFamilies } from "../observability/metrics.js";
import { fingerprints } from "./fingerprint.js";
import { openWorker, type HostedWorker } from "./serve-command.js";
import { serveConfig } from "./serve-config.js";
import { settingsOf, type ChildArgs, type ChildMessage, type SupervisorMessage } from "./watch-protocol.js";

const send = (message: ChildMessage): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(args: ChildArgs): Promise<void> {
  let worker: HostedWorker;
  let settings: string;
  try {
    const loaded = await serveConfig(args.cwd, args.flags);
    settings = settingsOf(loaded.config);
    worker = await openWorker(
      { mode: "dev", config: { ...loaded.config, store: args.store }, baseDir: loaded.baseDir, module: args.module, out },
      (kind, name) => void send({ type: "unhosted", kind, name }),
    );
  } catch (error) {
    await send({ type: "failed", message: describe(error) });
    process.exit(1);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= worker
      .stop(args.stopTimeoutMs)
      .catch((error: unknown) => console.error(`baton: ${describe(error)}`))
      .then(() => process.exit(0)));
  process.on("message", (message: SupervisorMessage) => {
    if (message.type === "stop") void stop();
    if (message.type === "metrics") void send({ type: "metrics", id: message.id, families: processFamilies() });
    if (message.type === "start" && !stopping) void worker.start().then(() => send({ type: "started" }), (error: unknown) => fail(error));
  });
  process.on("disconnect", () => void stop());
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => undefined);
  await send({ type: "loaded", functions: fingerprints(worker.functions), settings });
}

async function fail(error: unknown): Promise<never> {
  console.error(`baton: ${describe(error)}`);
  process.exit(1);
}

function describe(error: unknown): string {
  if (error instanceof BatonError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return process.env.BATON_DEBUG ? (error.stack ?? error.message) : `${error.name}: ${error.message}`;
  return String(error);
}

await main(JSON.parse(process.argv[2]!) as ChildArgs);
