/**
 * How a log call is written: the console logger's text and JSON lines (formatted directly, and
 * from a child process with BATON_LOG_LEVEL / BATON_LOG_FORMAT), the loggers Baton accepts as
 * they are (console), and the pino adapter on a real pino.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { activity, consoleLogger, InvalidArgumentError, orchestration, pinoLogger, type Logger } from "../../src/index.js";
import { createTestEnvironment } from "../../src/testing/index.js";
import { formatLogLine } from "../../src/observability/log-line.js";
import { tempDir } from "../helpers/temp-store.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const at = new Date("2030-01-02T12:00:01.250Z");

describe("the text format", () => {
  it("writes time, level and message, then the fields as key=value: context first, long ids last, values quoted when they must be", () => {
    const fields = {
      workerId: "host:42:ab12cd34",
      executionId: "e-9",
      err: new TypeError("card declined"),
      attempt: 2,
      name: "Charge",
      instanceId: "order-7",
      nextAttemptAt: new Date("2030-01-02T12:01:01.250Z"),
      seq: 0,
      note: "two words",
      skipped: undefined,
      data: { a: [1, 2n] },
    };
    expect(formatLogLine("text", "warn", at, "activity attempt failed, will retry", [fields])).toBe(
      "12:00:01.250 WARN  activity attempt failed, will retry  instanceId=order-7 name=Charge seq=0 attempt=2 " +
        'err="TypeError: card declined" nextAttemptAt=2030-01-02T12:01:01.250Z note="two words" data={"a":[1,"2"]} ' +
        "executionId=e-9 workerId=host:42:ab12cd34",
    );
  });

  it("formats values after the fields into the message as console does, and takes an Error in place of fields as err", () => {
    expect(formatLogLine("text", "info", at, "took %d ms", [{ instanceId: "o-1" }, 12])).toBe("12:00:01.250 INFO  took 12 ms  instanceId=o-1");
    expect(formatLogLine("text", "debug", at, "took %d ms", [12])).toBe("12:00:01.250 DEBUG took 12 ms");
    expect(formatLogLine("text", "error", at, "boom", [new Error("bad")])).toBe('12:00:01.250 ERROR boom  err="Error: bad"');
  });
});

describe("the JSON format", () => {
  it("writes one object per line: time, level, msg, then the fields; errors with name, message, code and stack", () => {
    const error = Object.assign(new Error("disk full"), { code: "STORE_FULL" });
    const line = formatLogLine("json", "error", at, "commit failed", [{ instanceId: "o-1", seq: 3, err: error, at: new Date(0) }]);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      time: "2030-01-02T12:00:01.250Z",
      level: "error",
      msg: "commit failed",
      instanceId: "o-1",
      seq: 3,
      err: { name: "Error", message: "disk full", code: "STORE_FULL", stack: expect.stringContaining("disk full") },
      at: "1970-01-01T00:00:00.000Z",
    });
  });

  it("keeps a field named like a line key under _key, and cuts cycles instead of throwing", () => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    expect(JSON.parse(formatLogLine("json", "info", at, "m", [{ msg: "mine", level: 3, cyclic }]))).toEqual({
      time: "2030-01-02T12:00:01.250Z",
      level: "info",
      msg: "m",
      _msg: "mine",
      _level: 3,
      cyclic: { id: 1, self: "[Circular]" },
    });
    expect(formatLogLine("text", "info", at, "m", [{ cyclic }])).toBe('12:00:01.250 INFO  m  cyclic={"id":1,"self":"[Circular]"}');
  });

  it("writes the message without the fields when a field cannot be read, rather than throwing", () => {
    const hostile = { toJSON: () => { throw new Error("no"); } };
    expect(formatLogLine("text", "warn", at, "m", [{ hostile }])).toBe("12:00:01.250 WARN  m  fieldsNotWritten=no");
    expect(JSON.parse(formatLogLine("json", "warn", at, "m", [{ hostile }]))).toMatchObject({ msg: "m", fieldsNotWritten: "no" });
  });

  it("is what consoleLogger writes with BATON_LOG_FORMAT=json, from BATON_LOG_LEVEL up: info to stdout, warn and error to stderr", () => {
    const dir = tempDir("baton-log-format-");
    const script = join(dir, "log.ts");
    writeFileSync(
      script,
      `import { consoleLogger } from ${JSON.stringify(pathToFileURL(join(ROOT, "src/index.ts")).href)};
const log = consoleLogger();
log.debug("hidden", { instanceId: "o-1" });
log.info("started", { instanceId: "o-1", name: "Order" });
log.warn("activity attempt failed, will retry", { instanceId: "o-1", attempt: 1, err: new Error("declined") });
`,
    );
    const child = spawnSync(process.execPath, ["--import", TSX_LOADER, script], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, BATON_LOG_FORMAT: "json", BATON_LOG_LEVEL: "info" },
    });
    expect(child.status, child.stderr).toBe(0);
    const parse = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parse(child.stdout)).toEqual([{ time: expect.any(String), level: "info", msg: "started", instanceId: "o-1", name: "Order" }]);
    expect(parse(child.stderr)).toEqual([
      {
        time: expect.any(String),
        level: "warn",
        msg: "activity attempt failed, will retry",
        instanceId: "o-1",
        attempt: 1,
        err: { name: "Error", message: "declined", stack: expect.any(String) },
      },
    ]);
  });

  it("consoleLogger refuses an unknown level, format or option with a named error", () => {
    expect(() => consoleLogger("verbose" as never)).toThrow(InvalidArgumentError);
    expect(() => consoleLogger("info", { format: "xml" as never })).toThrow(/format must be one of text, json/);
    expect(() => consoleLogger("info", { fromat: "json" } as never)).toThrow(/Did you mean "format"/);
  });
});

describe("loggers Baton accepts", () => {
  it("takes console as a Logger, and a pino logger through pinoLogger", () => {
    const asConsole: Logger = console;
    const asPino: Logger = pinoLogger(pino({ enabled: false }));
    expect([typeof asConsole.info, typeof asPino.info]).toEqual(["function", "function"]);
  });

  it("pinoLogger writes the fields as pino's merged object and the message as msg, an error under err through pino's serializer", () => {
    const lines: Record<string, unknown>[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    const logger = pinoLogger(pino({ level: "debug", base: undefined, timestamp: false }, destination));
    logger.warn("activity attempt failed, will retry", { instanceId: "o-1", attempt: 2, err: new Error("declined") });
    logger.debug("took %d ms", { instanceId: "o-1" }, 12);
    logger.info("plain");
    logger.error("boom", new RangeError("out"));
    expect(lines).toEqual([
      {
        level: 40,
        msg: "activity attempt failed, will retry",
        instanceId: "o-1",
        attempt: 2,
        err: { type: "Error", message: "declined", stack: expect.stringContaining("declined") },
      },
      { level: 20, msg: "took 12 ms", instanceId: "o-1" },
      { level: 30, msg: "plain" },
      { level: 50, msg: "boom", err: { type: "RangeError", message: "out", stack: expect.any(String) } },
    ]);
  });

  it("pinoLogger as a baton's logger: ctx.log and actx.log lines carry their context", async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    const step = activity("Step", async (n: number, actx) => {
      actx.log.info("stepping", { n });
      return n + 1;
    });
    const flow = orchestration("Flow", async (ctx, n: number) => {
      ctx.log.info("starting", { n });
      return ctx.callActivity(step, n);
    });
    const env = await createTestEnvironment({ functions: [step, flow], logger: pinoLogger(pino({ base: undefined }, destination)) });
    try {
      const id = await env.client.startNew(flow, { input: 1 });
      expect((await env.client.waitForCompletion(id)).output).toBe(2);
      expect(lines.map(({ msg, instanceId, name, seq, n }) => ({ msg, instanceId, name, seq, n }))).toEqual([
        { msg: "starting", instanceId: id, name: "Flow", seq: undefined, n: 1 },
        { msg: "stepping", instanceId: id, name: "Step", seq: 0, n: 1 },
      ]);
    } finally {
      await env.close();
    }
  });
});
