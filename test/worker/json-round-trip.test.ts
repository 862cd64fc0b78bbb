/**
 * What the code receives is the JSON round trip of what was sent, on the first run as on every
 * replay: an activity's result (run inline or through the queue), a child's output, event data,
 * the input of startNew and of continueAsNew. Were the first run handed the sender's own object
 * (a Date) and a replay the parsed one (a string), code that branched on it would replay
 * differently; the types (Jsonified) promise the string.
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const AT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

/** What the code sees, in words that differ for a Date, a Set and their JSON forms. */
function kindOf(value: unknown): string {
  if (value instanceof Date) return "Date";
  if (value instanceof Set) return "Set";
  if (typeof value === "object" && value !== null) return `object ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const stamp = activity("RoundTripStamp", async (label: string) => ({ label, at: AT, tags: new Set([label]) }));
const dated = orchestration("RoundTripChild", async () => AT);

const observer = orchestration("RoundTripObserver", async (ctx, input: { generation: number; sent?: unknown; seenAtStart?: string }) => {
  if (input.generation === 0) {
    ctx.continueAsNew({ generation: 1, sent: AT, seenAtStart: kindOf(input.sent) });
    return undefined;
  }
  const fromActivity = await ctx.callActivity(stamp, "a");
  const fromChild = await ctx.callSubOrchestrator(dated, undefined);
  const event = await ctx.waitForExternalEvent("Stamp");
  return {
    startNewInput: input.seenAtStart,
    continueAsNewInput: kindOf(input.sent),
    activityAt: kindOf(fromActivity.at),
    activityTags: kindOf(fromActivity.tags),
    childOutput: kindOf(fromChild),
    eventData: kindOf(event),
  };
});

const ISO = `string ${AT.toISOString()}`;

describe.each([
  ["inline", true],
  ["through the queue", false],
])("the first run receives the JSON round trip (activities %s)", (_mode, inlineActivities) => {
  it("of an activity's result, a child's output, event data and the inputs of startNew and continueAsNew", async () => {
    const baton = await createBaton({ store: tempStoreUrl(), logger: quiet, functions: [stamp, dated, observer], inlineActivities });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(observer, { input: { generation: 0, sent: AT } });
    await baton.client.raiseEvent(id, "Stamp", { at: AT });
    const done = await baton.client.waitForCompletion(id, { timeout: "1m" });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({
      startNewInput: ISO,
      continueAsNewInput: ISO,
      activityAt: ISO,
      activityTags: "object {}",
      childOutput: ISO,
      eventData: `object {"at":"${AT.toISOString()}"}`,
    });
  });
});
