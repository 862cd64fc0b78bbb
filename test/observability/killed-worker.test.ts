/**
 * One trace across a worker killed for real: worker process A runs the first steps and is
 * SIGKILLed in the middle of an activity; worker process B, started afterwards on the same
 * store, runs the rest. Each process exports its own spans (fixtures/traced-worker.ts): all
 * of them share the trace of the start, and B's attempt descends from A's episode.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { killAllChildren, spawnScript } from "../crash/kit/child-processes.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";

const WORKER = join(import.meta.dirname, "fixtures", "traced-worker.ts");

interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const spansIn = (file: string): ExportedSpan[] =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ExportedSpan) : [];

afterEach(killAllChildren);

describe("a trace across a worker killed mid-activity", () => {
  it("keeps every span of the instance in the caller's trace, B's attempt under A's episode", { timeout: 300_000 }, async () => {
    const dir = tempDir("baton-trace-kill-");
    const store = `sqlite:${join(dir, "baton.db")}`;
    const [spansA, spansB] = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const callerSpanId = "b7ad6b7169203331";

    const a = spawnScript(WORKER, [store, spansA], { TRACE_HOLD: "1" });
    await a.ready();
    const client = await createClient({ store });
    try {
      const id = await client.startNew("TracedFlow", { input: 1, traceparent: `00-${traceId}-${callerSpanId}-01` });
      await a.waitForLine("holding");
      // The episode's span ends once its commit landed: the held attempt's task is in the store, leased to A.
      await waitUntil(() => spansIn(spansA).some((s) => s.name === "episode TracedFlow") || undefined, "A's episode to commit");
      await a.kill("SIGKILL");

      const b = spawnScript(WORKER, [store, spansB]);
      await b.ready();
      const done = await client.waitForCompletion(id);
      expect(done.output).toBe(20);
      await waitUntil(() => spansIn(spansB).some((s) => s.attributes["baton.runtime_status"] === "Completed") || undefined, "B's last episode span");

      const fromA = spansIn(spansA);
      const fromB = spansIn(spansB);
      expect(new Set([...fromA, ...fromB].map((s) => s.traceId))).toEqual(new Set([traceId]));
      const episodesA = fromA.filter((s) => s.name === "episode TracedFlow");
      expect(episodesA.length).toBeGreaterThan(0);
      for (const episode of [...episodesA, ...fromB.filter((s) => s.name === "episode TracedFlow")]) expect(episode.parentSpanId).toBe(callerSpanId);
      const held = fromB.find((s) => s.name === "activity TracedHold");
      expect(held?.attributes["baton.outcome"]).toBe("completed");
      expect(episodesA.map((s) => s.spanId)).toContain(held!.parentSpanId);
      const workerOf = (spans: ExportedSpan[]) => new Set(spans.map((s) => s.attributes["baton.worker_id"]));
      expect([...workerOf(fromA)].some((w) => workerOf(fromB).has(w))).toBe(false);
    } finally {
      await client.close();
    }
  });
});
