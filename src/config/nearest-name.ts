/**
 * The known name nearest to a misspelt one (`commitIntervall` → `commitInterval`), so an
 * "unknown key" error can say what was meant. Nearest by edit distance (insertions,
 * deletions, substitutions, and swaps of neighbours, which typing produces), ignoring
 * case; only within a third of the name's length, so a wholly different key suggests nothing.
 */

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate nearest to `name`, if one is near enough to be what was meant. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === name) return undefined;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** "unknown key (did you mean x?); the keys here are a, b, c" for `name` among `known`. */
export function unknownKeyMessage(name: string, known: readonly string[], noun = 'key'): string {
  const near = nearestName(name, known);
  return `unknown ${noun}${near ? ` (did you mean ${near}?)` : ''}${known.length > 0 ? `; the ${noun}s here are ${known.join(', ')}` : ''}`;
}
