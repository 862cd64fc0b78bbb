/**
 * Records the replay-compatibility fixtures:
 *   node --import tsx test/histories/record.ts [scenario...] [--force]
 *
 * Runs each scenario of the example orchestrations through the public API, on a fresh
 * temporary SQLite store, waits for it to finish, reads the raw stored history and writes
 * test/histories/<example>-<scenario>.json. Re-record only for an intentional, documented
 * break of replay compatibility (see README.md): the files are what deployed instances hold.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import * as monitor from "../../examples/eternal-monitor/functions.js";
import * as backup from "../../examples/fan-out-fan-in/functions.js";
import * as chaining from "../../examples/function-chaining/functions.js";
import * as approval from "../../examples/human-approval/functions.js";
import * as images from "../../examples/image-processing/functions.js";
import * as records from "../../examples/process-records/functions.js";
import { createBaton, type Baton, type FunctionDefinition, type InstanceStatus } from "../../src/index.js";
import { openStore } from "../../src/store/open-store.js";
import { FIXTURE_DIR, type HistoryFixture } from "./history-fixtures.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";


interface Scenario {
  /** The file is <file>.json. */
  file: string;
  functions: readonly FunctionDefinition[];
  orchestration: string;
  input: unknown;
  /** Writes whatever files the scenario reads, relative to the working directory. */
  prepare?: () => void;
  /**
   * The instance calls continueAsNew: the store keeps only its last generation's history, whose
   * ExecutionStarted holds the carried state, not `input`. The fixture's input is then that
   * generation's, and `input` is kept as its startInput.
   */
  continuesAsNew?: true;
  /** Starts the instance (the worker is not started yet) and returns the finished status. */
  drive(baton: Baton, instanceId: string): Promise<InstanceStatus>;
}

/** The common case: start the worker, start the instance, wait. */
async function startAndWait(baton: Baton, instanceId: string, orchestration: string, input: unknown): Promise<InstanceStatus> {
  await baton.start();
  await baton.client.startNew(orchestration, { instanceId, input });
  return baton.client.waitForCompletion(instanceId, { timeout: "30s" });
}

function writeFile(path: string, content: Buffer | string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
}

/**
 * A scenario whose outcome depends on timing checks it got the run it describes, so that a
 * slow machine fails the recording instead of writing a fixture of some other run.
 */
function expectOutput(status: InstanceStatus, expected: unknown): InstanceStatus {
  if (status.runtimeStatus !== "Completed" || !isDeepStrictEqual(status.output, expected)) {
    throw new Error(`expected Completed with ${JSON.stringify(expected)}, got ${status.runtimeStatus} with ${JSON.stringify(status.output ?? status.failureDetails)}`);
  }
  return status;
}

/** Polls until `check` returns true. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

/** The eternal monitor's target, and how many checks of it CheckEndpoint has made for `instanceId`. */
const MONITORED = "api.example.com";
const checksMade = (instanceId: string) => monitor.checkLog.filter((check) => check.instanceId === instanceId).length;

/** The sum of the values of the example's 250 records: ProcessRecords' total. */
const RECORDS_TOTAL = records.RECORDS.reduce((sum, record) => sum + record.value, 0);

// Paths in inputs are relative to the scratch directory the script runs in, so the fixtures
// hold no machine-specific paths.
const IMAGE_FILES = Array.from({ length: 12 }, (_, i) => `images/photo-${i + 1}.png`);

const scenarios: Scenario[] = [
  {
    file: "function-chaining-hello-cities",
    functions: chaining.functions,
    orchestration: chaining.helloCities.name,
    input: undefined,
    drive: (baton, id) => startAndWait(baton, id, chaining.helloCities.name, undefined),
  },
  {
    file: "fan-out-fan-in-small-site",
    functions: backup.functions,
    orchestration: backup.backupSiteContent.name,
    input: { source: "site", destination: "backup" },
    prepare() {
      writeFile("site/index.html", "<h1>Welcome</h1>\n");
      writeFile("site/about.html", "About us.\n");
      writeFile("site/empty.txt", "");
      writeFile("site/assets/logo.png", Buffer.alloc(300, 7));
    },
    drive: (baton, id) => startAndWait(baton, id, backup.backupSiteContent.name, { source: "site", destination: "backup" }),
  },
  {
    // No example uses a retry policy; this is the failing-activity case without retry:
    // GetFileList fails (ENOENT) and the orchestration fails with it.
    file: "fan-out-fan-in-missing-source",
    functions: backup.functions,
    orchestration: backup.backupSiteContent.name,
    input: { source: "no-such-site", destination: "backup" },
    drive: (baton, id) => startAndWait(baton, id, backup.backupSiteContent.name, { source: "no-such-site", destination: "backup" }),
  },
  {
    // 12 images with concurrency 10: the last two start only as earlier ones finish.
    file: "image-processing-twelve-images",
    functions: images.functions,
    orchestration: images.imageProcessing.name,
    input: IMAGE_FILES,
    prepare() {
      IMAGE_FILES.forEach((file, i) => writeFile(file, Buffer.alloc(100 + 10 * i)));
    },
    drive: (baton, id) => startAndWait(baton, id, images.imageProcessing.name, IMAGE_FILES),
  },
  {
    // The answer is raised while the workflow waits on it; the timeout timer is then cancelled.
    file: "human-approval-approved",
    functions: approval.functions,
    orchestration: approval.approvalWorkflow.name,
    input: { subject: "Purchase order #42", approver: "ana", timeoutMs: 60_000 },
    async drive(baton, id) {
      await baton.start();
      await baton.client.startNew(approval.approvalWorkflow, { instanceId: id, input: this.input as approval.ApprovalRequest });
      while ((await baton.client.getStatus(id))?.customStatus !== "waiting for approval") await delay(10);
      await baton.client.raiseEvent(id, "Approval", { approved: true });
      return baton.client.waitForCompletion(id, { timeout: "30s" });
    },
  },
  {
    // Nobody answers: the durable timer fires and the request is escalated.
    file: "human-approval-escalated",
    functions: approval.functions,
    orchestration: approval.approvalWorkflow.name,
    input: { subject: "Travel request #7", approver: "ben", timeoutMs: 200 },
    drive(baton, id) {
      return startAndWait(baton, id, approval.approvalWorkflow.name, this.input);
    },
  },
  {
    // The answer (a rejection) is in the inbox before the worker starts: it is recorded
    // before the workflow reaches its wait, buffered, and taken when the wait begins.
    file: "human-approval-early-rejection",
    functions: approval.functions,
    orchestration: approval.approvalWorkflow.name,
    input: { subject: "Laptop #3", approver: "cy", timeoutMs: 60_000 },
    async drive(baton, id) {
      await baton.client.startNew(approval.approvalWorkflow, { instanceId: id, input: this.input as approval.ApprovalRequest });
      await baton.client.raiseEvent(id, "Approval", { approved: false });
      await baton.start();
      return baton.client.waitForCompletion(id, { timeout: "30s" });
    },
  },
  {
    // Up at check 1, down at checks 2 and 3: one alert, at check 2; none at check 3, as the
    // lastStatus carried into generation 3 is already "down". A Stop raised while generation 3
    // waits wins its ctx.any over the timer, which is cancelled. Recorded: generation 3.
    file: "eternal-monitor-stopped",
    functions: monitor.functions,
    orchestration: monitor.eternalMonitor.name,
    input: { target: MONITORED, intervalMs: 200 },
    continuesAsNew: true,
    async drive(baton, id) {
      monitor.endpoints.set(MONITORED, "up");
      await baton.start();
      await baton.client.startNew(monitor.eternalMonitor, { instanceId: id, input: this.input as monitor.MonitorInput });
      // CheckEndpoint reads and logs in one synchronous step: every check after this one sees "down".
      await until(() => checksMade(id) >= 1, "check 1");
      monitor.endpoints.set(MONITORED, "down");
      // Generation 3 shows check 3 in the episode that starts its wait.
      await until(async () => ((await baton.client.getStatus(id))?.customStatus as monitor.MonitorProgress | undefined)?.checks === 3, "check 3");
      await baton.client.raiseEvent(id, "Stop");
      const done = await baton.client.waitForCompletion(id, { timeout: "30s" });
      return expectOutput(done, { target: MONITORED, checks: 3, alerts: 1, lastStatus: "down", stoppedBy: "Stop" });
    },
  },
  {
    // Up at checks 1 and 2, down at check 3, which is the last (maxChecks 3): generation 3
    // alerts (the carried lastStatus is "up"), then returns without waiting. Recorded: generation 3.
    file: "eternal-monitor-max-checks",
    functions: monitor.functions,
    orchestration: monitor.eternalMonitor.name,
    input: { target: MONITORED, intervalMs: 100, maxChecks: 3 },
    continuesAsNew: true,
    async drive(baton, id) {
      monitor.endpoints.set(MONITORED, "up");
      await baton.start();
      await baton.client.startNew(monitor.eternalMonitor, { instanceId: id, input: this.input as monitor.MonitorInput });
      await until(() => checksMade(id) >= 2, "check 2");
      monitor.endpoints.set(MONITORED, "down");
      const done = await baton.client.waitForCompletion(id, { timeout: "30s" });
      return expectOutput(done, { target: MONITORED, checks: 3, alerts: 1, lastStatus: "down", stoppedBy: "maxChecks" });
    },
  },
  {
    // The example's 250 records, 20 a page: 13 generations, the last a partial page of 10
    // records (rec-241..rec-250) processed at most 5 at once by ctx.map. Recorded: generation 13.
    file: "process-records-page-size-20",
    functions: records.functions,
    orchestration: records.processRecords.name,
    input: { cursor: null, pageSize: 20, processed: 0 },
    continuesAsNew: true,
    async drive(baton, id) {
      const done = await startAndWait(baton, id, records.processRecords.name, this.input);
      return expectOutput(done, { processed: 250, total: RECORDS_TOTAL, pages: 13 });
    },
  },
  {
    // 50 a page: 5 generations; the last page is full (rec-201..rec-250) and FetchPage already
    // returns no next cursor for it, so no empty page follows. Recorded: generation 5.
    file: "process-records-page-size-50",
    functions: records.functions,
    orchestration: records.processRecords.name,
    input: { cursor: null, pageSize: 50, processed: 0 },
    continuesAsNew: true,
    async drive(baton, id) {
      const done = await startAndWait(baton, id, records.processRecords.name, this.input);
      return expectOutput(done, { processed: 250, total: RECORDS_TOTAL, pages: 5 });
    },
  },
];

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: join(FIXTURE_DIR, "..", ".."), encoding: "utf8" }).trim();
}

function recordedWith(): string {
  const commit = git("rev-parse", "--short", "HEAD");
  return git("status", "--porcelain", "--", "src", "examples") === "" ? commit : `${commit}+dirty`;
}

/** Top-level fields indented, one history event per line: small, and diffs read well. */
function format(fixture: HistoryFixture): string {
  const { history, ...head } = fixture;
  const top = JSON.stringify(head, null, 2).slice(0, -2); // without the closing "\n}"
  const events = history.map((event) => `    ${JSON.stringify(event)}`).join(",\n");
  return `${top},\n  "history": [\n${events}\n  ]\n}\n`;
}

async function record(scenario: Scenario, commit: string): Promise<HistoryFixture> {
  const scratch = mkdtempSync(join(tmpdir(), "baton-history-"));
  const cwd = process.cwd();
  process.chdir(scratch);
  const store = `sqlite:${join(scratch, "baton.db")}`;
  const instanceId = `history-${scenario.file}`;
  try {
    scenario.prepare?.();
    const baton = await createBaton({ store, functions: scenario.functions, logger: quiet });
    let status: InstanceStatus;
    try {
      status = await scenario.drive(baton, instanceId);
    } finally {
      await baton.stop();
    }
    const raw = await openStore(store);
    let history;
    try {
      history = await raw.getHistory(instanceId);
    } finally {
      await raw.close();
    }

    // The recorded execution's input: startNew's, or for a later generation the carried state.
    const started = history.find((event) => event.type === "ExecutionStarted");
    if (started?.type !== "ExecutionStarted") throw new Error(`${scenario.file}: its history has no ExecutionStarted`);
    const input = started.input === undefined ? null : JSON.parse(started.input);
    const startInput = scenario.input ?? null;
    if (isDeepStrictEqual(input, startInput) === Boolean(scenario.continuesAsNew)) {
      throw new Error(
        scenario.continuesAsNew
          ? `${scenario.file}: expected a later generation, but its history starts with the input given to startNew`
          : `${scenario.file}: its history starts with input ${started.input}, not the one given to startNew`,
      );
    }

    const expected: HistoryFixture["expected"] = { runtimeStatus: status.runtimeStatus };
    if (status.runtimeStatus === "Completed") expected.output = status.output ?? null;
    if (status.failureDetails) {
      const { stack: _, ...failure } = status.failureDetails;
      expected.failure = failure;
    }
    // What the store says must agree with the history's own last event.
    const last = history.at(-1);
    const agrees =
      status.runtimeStatus === "Completed"
        ? last?.type === "ExecutionCompleted" && isDeepStrictEqual(last.output === undefined ? null : JSON.parse(last.output), expected.output)
        : status.runtimeStatus === "Failed"
          ? last?.type === "ExecutionFailed" && last.error.message === status.failureDetails?.message
          : false;
    if (!agrees) throw new Error(`${scenario.file}: ended ${status.runtimeStatus}, but its history ends with ${JSON.stringify(last)}`);

    return {
      orchestration: scenario.orchestration,
      instanceId,
      input,
      ...(scenario.continuesAsNew ? { startInput } : {}),
      expected,
      recordedWith: commit,
      history,
    };
  } finally {
    process.chdir(cwd);
    rmSync(scratch, { recursive: true, force: true });
  }
}

// Arguments: scenario names (file names without .json) to record only those; existing files
// are kept unless --force is given, so adding a scenario does not rewrite the others.
const args = process.argv.slice(2);
const force = args.includes("--force");
const wanted = args.filter((arg) => arg !== "--force");
const unknown = wanted.filter((name) => !scenarios.some((s) => s.file === name));
if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(", ")}; known: ${scenarios.map((s) => s.file).join(", ")}`);

const commit = recordedWith();
for (const scenario of scenarios) {
  if (wanted.length > 0 && !wanted.includes(scenario.file)) continue;
  const path = join(FIXTURE_DIR, `${scenario.file}.json`);
  if (existsSync(path) && !force) {
    console.log(`${scenario.file}.json exists, kept (--force to re-record it)`);
    continue;
  }
  const fixture = await record(scenario, commit);
  writeFileSync(path, format(fixture));
  const episodes = fixture.history.filter((e) => e.type === "EpisodeStarted").length;
  console.log(`${scenario.file}.json: ${fixture.expected.runtimeStatus}, ${fixture.history.length} events in ${episodes} episodes`);
}
