/**
 * A group commit under a storm of cut connections. A batch of hundreds of ops is one long
 * transaction; when backends are being terminated every few hundred milliseconds, a long
 * transaction is cut again and again, and retried whole it may never finish while its leases run
 * out (the work is then redone elsewhere, and the batch lands as a pile of "lease lost").
 *
 * So a batch whose try loses its connection is split in two, and the halves are committed one
 * after the other (each split again if it is cut in turn): a shorter transaction is likelier to
 * finish between two cuts, and the ops of a half that lands stop waiting on the rest. A single op
 * is retried as every transaction is. The claim goes with the last piece. Splitting is safe for the
 * same reason a retry is: each op is fenced by its lease token and committed at most once, and a
 * piece that was applied by a try whose answer was lost reports what it finds on the next one.
 * Only a cut splits: a server that refuses connections (restarting) is waited for, whole.
 */
export interface CommitPiece<Op, Outcome, Claimed> {
  (ops: readonly Op[], claim: boolean, onCut: "retry" | "throw"): Promise<{ outcomes: Outcome[]; claimed: Claimed | undefined }>;
}

export async function commitInPieces<Op, Outcome, Claimed>(
  ops: readonly Op[],
  claim: boolean,
  commitPiece: CommitPiece<Op, Outcome, Claimed>,
  isCut: (error: unknown) => boolean,
): Promise<{ outcomes: Outcome[]; claimed: Claimed | undefined }> {
  if (ops.length < 2) return commitPiece(ops, claim, "retry");
  try {
    return await commitPiece(ops, claim, "throw");
  } catch (error) {
    if (!isCut(error)) throw error;
  }
  const half = Math.ceil(ops.length / 2);
  const first = await commitInPieces(ops.slice(0, half), false, commitPiece, isCut);
  const second = await commitInPieces(ops.slice(half), claim, commitPiece, isCut);
  return { outcomes: [...first.outcomes, ...second.outcomes], claimed: second.claimed };
}
