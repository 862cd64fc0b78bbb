/**
 * How long the PostgreSQL store pauses between tries of a transaction that failed for a
 * transient reason: growing while the server cannot be reached, short again when a try had its
 * connection and lost it (its backend was terminated), so that finished work is not kept
 * waiting seconds to commit while connections are being cut.
 */
import { describe, expect, it } from "vitest";
import { nextRetryPauseMs } from "../../src/store/postgres/connection.js";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
const terminated = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
const cutSocket = new Error("Connection terminated unexpectedly");
/** A statement sent on a connection whose death was noticed between two statements. */
const diedBetween = new Error("Client has encountered a connection error and is not queryable");
const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

function pauses(failures: { connected: boolean; error: unknown }[]): number[] {
  const result: number[] = [];
  let previous = 0;
  for (const { connected, error } of failures) result.push((previous = nextRetryPauseMs(previous, { connected, committing: false }, error)));
  return result;
}

describe("PostgreSQL retry pauses", () => {
  it("double from 5 ms to at most 1 s while the server refuses connections", () => {
    expect(pauses(Array.from({ length: 10 }, () => ({ connected: false, error: refused })))).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
  });

  it("double for contention on a live connection (deadlocks, serialization failures)", () => {
    expect(pauses([1, 2, 3].map(() => ({ connected: true, error: deadlock })))).toEqual([5, 10, 20]);
  });

  it("start again from 5 ms after a try whose connection was cut under it", () => {
    const failures = [
      ...Array.from({ length: 6 }, () => ({ connected: false, error: refused })),
      { connected: true, error: terminated },
      { connected: false, error: refused },
      { connected: true, error: cutSocket },
      { connected: false, error: refused },
      { connected: false, error: refused },
      { connected: true, error: diedBetween },
    ];
    expect(pauses(failures)).toEqual([5, 10, 20, 40, 80, 160, 5, 10, 5, 10, 20, 5]);
  });

  it("keep growing when the connection was lost before the try had one (the server is going away)", () => {
    expect(pauses([1, 2, 3].map(() => ({ connected: false, error: terminated })))).toEqual([5, 10, 20]);
  });
});
