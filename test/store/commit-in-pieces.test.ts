/**
 * How a group commit is split when its connection is cut (commit-in-pieces.ts), on a piece
 * function that "cuts" every try of more than a few ops, as a storm of terminated backends cuts
 * every long transaction. The real thing, on PostgreSQL: postgres-commit-cuts.test.ts.
 */
import { describe, expect, it } from "vitest";
import { commitInPieces } from "../../src/store/postgres/commit-in-pieces.js";

class Cut extends Error {}

/** Commits pieces of at most `longest` ops; records each try. */
function storm(longest: number) {
  const tries: { ops: number[]; claim: boolean; onCut: string; landed: boolean }[] = [];
  const piece = async (ops: readonly number[], claim: boolean, onCut: "retry" | "throw") => {
    const landed = ops.length <= longest || onCut === "retry";
    tries.push({ ops: [...ops], claim, onCut, landed });
    if (!landed) throw new Cut("cut");
    return { outcomes: ops.map((op) => `ok ${op}`), claimed: claim ? "claimed" : undefined };
  };
  return { tries, piece };
}

const isCut = (error: unknown): boolean => error instanceof Cut;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("commitInPieces", () => {
  it("commits a batch whole when nothing cuts it", async () => {
    const { tries, piece } = storm(100);
    const result = await commitInPieces(range(40), true, piece, isCut);
    expect(tries).toEqual([{ ops: range(40), claim: true, onCut: "throw", landed: true }]);
    expect(result).toEqual({ outcomes: range(40).map((op) => `ok ${op}`), claimed: "claimed" });
  });

  it("splits a cut batch in halves until the pieces land, in order, with the claim on the last", async () => {
    const { tries, piece } = storm(5);
    const result = await commitInPieces(range(40), true, piece, isCut);
    expect(result.outcomes).toEqual(range(40).map((op) => `ok ${op}`));
    expect(result.claimed).toBe("claimed");
    const landed = tries.filter((t) => t.landed);
    // Every op landed exactly once, in order, in pieces no longer than the storm lets through.
    expect(landed.flatMap((t) => t.ops)).toEqual(range(40));
    expect(Math.max(...landed.map((t) => t.ops.length))).toBeLessThanOrEqual(5);
    // Only the piece that holds the batch's last op asks for the claim.
    expect(tries.filter((t) => t.claim).every((t) => t.ops.includes(39))).toBe(true);
    expect(landed.filter((t) => t.claim)).toHaveLength(1);
  });

  it("retries a single op as every transaction is, instead of splitting it", async () => {
    const { tries, piece } = storm(0);
    const result = await commitInPieces(range(3), false, piece, isCut);
    expect(result.outcomes).toEqual(["ok 0", "ok 1", "ok 2"]);
    expect(tries.filter((t) => t.landed).map((t) => [t.ops, t.onCut])).toEqual([
      [[0], "retry"],
      [[1], "retry"],
      [[2], "retry"],
    ]);
  });

  it("does not split on any other error: it reaches the caller", async () => {
    const refused = new Error("disk full");
    let calls = 0;
    const piece = async () => {
      calls++;
      throw refused;
    };
    await expect(commitInPieces(range(8), true, piece, isCut)).rejects.toBe(refused);
    expect(calls).toBe(1);
  });
});
