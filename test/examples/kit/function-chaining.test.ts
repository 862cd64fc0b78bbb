/**
 * Function chaining, tested with batonjs/testing: the greetings in order, and a failed call
 * retried after its backoff, on the virtual clock.
 */
import { expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import { functions, helloCities, sayHello } from "../../../examples/function-chaining/functions.js";

it("greets each city in turn", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    const id = await env.client.startNew(helloCities);
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    expect(env.activityCalls(sayHello).map((call) => call.input)).toEqual(["Tokyo", "Seattle", "London"]);
  } finally {
    await env.close(); // also replays the history: the chain is deterministic
  }
});

it("retries a failed call, after a backoff the clock skips", async () => {
  // SayHello sets no retry policy; this gives it one, in this environment only.
  const env = await createTestEnvironment({ functions, defaultActivityRetry: { maxAttempts: 3, firstRetryInterval: "1h" } });
  try {
    // The next attempt of SayHello (Tokyo's first) fails without running.
    env.failActivity(sayHello, { error: new Error("Tokyo is unreachable") });
    const started = env.now();
    const id = await env.client.startNew(helloCities);
    const done = await env.client.waitForCompletion(id); // the hour of backoff takes no real time
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    const calls = env.activityCalls(sayHello).map(({ input, attempt, outcome }) => [input, attempt, outcome.status]);
    expect(calls).toEqual([
      ["Tokyo", 1, "failed"],
      ["Tokyo", 2, "completed"],
      ["Seattle", 1, "completed"],
      ["London", 1, "completed"],
    ]);
    expect(env.now() - started).toBeGreaterThanOrEqual(60 * 60 * 1000);
  } finally {
    await env.close();
  }
});
