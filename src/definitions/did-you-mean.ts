/**
 * Suggestions for a misspelt word: the known key an unknown option most likely meant, and the
 * known function a name not found most likely meant.
 */

/** The known key a misspelt one most likely meant: same letters in another case, or the nearest at most two edits away. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  return closest(key, known, 2);
}

/**
 * The known function name an unknown one most likely meant. Names are short and alike
 * ("Step1", "Step2"), so fewer edits are allowed on a short name: one per three characters.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  return closest(name, known, Math.min(2, Math.floor(name.length / 3)));
}

function closest(word: string, known: readonly string[], maxEdits: number): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === word.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestEdits = maxEdits + 1;
  for (const candidate of known) {
    const edits = editDistance(candidate, word);
    if (edits < bestEdits) [best, bestEdits] = [candidate, edits];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
