/**
 * GET /api/metrics: valid Prometheus text (parsed here by the rules of the exposition format),
 * the ready-work gauge following queued work, the worker's figures once work ran, and the
 * API's token like every other route.
 */
import { describe, expect, it } from "vitest";
import { expectError, greet, hello, serve } from "./http-kit.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/** Parses the text format strictly: every sample belongs to a family declared by HELP and TYPE before it. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  expect(text.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      expect(line.split(" ")[2]).toMatch(NAME);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      expect(["counter", "gauge", "histogram"]).toContain(type);
      expect(types.has(name!), `${name} declared twice`).toBe(false);
      types.set(name!, type!);
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `not a sample line: ${line}`).not.toBeNull();
    const [, name, labelText = "", valueText] = match!;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      expect(label, `bad labels in: ${line}`).not.toBeNull();
      labels[label![1]!] = label![2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    expect(Number.isNaN(value) && valueText !== "NaN", `bad value in: ${line}`).toBe(false);
    const family = types.has(name!) ? name! : name!.replace(/_(bucket|sum|count)$/, "");
    expect(types.get(family), `${name} has no TYPE`).toBeDefined();
    if (family !== name) expect(types.get(family)).toBe("histogram");
    samples.push({ name: name!, labels, value });
  }
  return { types, samples };
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe("GET /api/metrics", () => {
  it("answers Prometheus text whose ready-work gauge counts the queued instances of each orchestration", async () => {
    const served = await serve({ start: false }); // no worker: what is started stays queued
    for (let i = 0; i < 3; i++) await served.baton.client.startNew(hello, { input: `n${i}` });

    const response = await served.api("/api/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(await response.text());
    expect(types.get("baton_work_ready")).toBe("gauge");
    expect(valueOf(samples, "baton_work_ready", { queue: "orchestration", function: "Hello" })).toBe(3);
    expect(valueOf(samples, "baton_work_ready_oldest_age_seconds", { queue: "orchestration", function: "Hello" })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, "baton_instances", { status: "Pending" })).toBe(3);
    expect(valueOf(samples, "baton_instances", { status: "Completed" })).toBe(0);
    for (const name of ["baton_episodes_total", "baton_activity_attempts_total", "baton_activity_duration_seconds", "baton_timer_lateness_seconds"]) {
      expect(types.has(name), name).toBe(true);
    }
  });

  it("shows what this process's worker ran: attempts, their duration histogram, instances finished", async () => {
    const served = await serve();
    const before = parsePrometheus(await (await served.api("/api/metrics")).text()).samples;
    const attempts = (samples: Sample[]) => valueOf(samples, "baton_activity_attempts_total", { activity: greet.name, outcome: "completed" }) ?? 0;
    const id = await served.baton.client.startNew(hello, { input: "Ada" });
    await served.baton.client.waitForCompletion(id);

    const { samples } = parsePrometheus(await (await served.api("/api/metrics")).text());
    expect(attempts(samples) - attempts(before)).toBe(1);
    const bucket = (le: string) => valueOf(samples, "baton_activity_duration_seconds_bucket", { activity: greet.name, outcome: "completed", le }) ?? 0;
    expect(bucket("+Inf")).toBe(valueOf(samples, "baton_activity_duration_seconds_count", { activity: greet.name, outcome: "completed" }));
    expect(bucket("0.001")).toBeLessThanOrEqual(bucket("300"));
    expect(valueOf(samples, "baton_instances", { status: "Completed" })).toBe(1);
    const slotKinds = samples.filter((s) => s.name === "baton_worker_slots_capacity" && s.labels.worker_id).map((s) => s.labels.kind);
    expect(slotKinds).toContain("attempt");
    expect(slotKinds).toContain("episode");
  });

  it("answers 401 without the token when a token is set, and the text with it", async () => {
    const served = await serve({ start: false, http: { token: "metrics-token" } });
    await expectError(await served.api("/api/metrics"), 401, "UNAUTHORIZED");
    const response = await served.api("/api/metrics", { headers: { authorization: "Bearer metrics-token" } });
    expect(response.status).toBe(200);
    expect(parsePrometheus(await response.text()).types.get("baton_instances")).toBe("gauge");
  });
});
