/** An attempt's signal behaves like an AbortController's, whether asked for before or after the abort. */
import { describe, expect, it } from "vitest";
import { AttemptAbort } from "../../src/worker/attempt-abort.js";

describe("AttemptAbort", () => {
  it("fires a signal taken before the abort, once, with the reason", () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    const reasons: unknown[] = [];
    signal.addEventListener("abort", () => reasons.push(signal.reason));
    const reason = new Error("stopping");
    abort.abort(reason);
    abort.abort(new Error("again"));
    expect(reasons).toEqual([reason]);
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe(reason);
    expect(abort.signal).toBe(signal);
  });

  it("gives an already aborted signal, with the first reason, when taken after the abort", () => {
    const abort = new AttemptAbort();
    const reason = new Error("timed out");
    abort.abort(reason);
    abort.abort(new Error("later"));
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it("is not aborted until abort() is called", () => {
    const abort = new AttemptAbort();
    expect(abort.aborted).toBe(false);
    expect(abort.signal.aborted).toBe(false);
    expect(abort.reason).toBeUndefined();
  });
});
