// "Did you mean …?" for unknown names, shared by every check that reports one.

/** Optimal string alignment distance: edits, plus swaps of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i][0] = i;
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * Finds the candidate closest to `name`: an exact match ignoring case first,
 * then the smallest edit distance within a threshold that grows with the name's length.
 * Returns undefined when nothing is close enough to be a likely typo.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const lower = name.toLowerCase();
  const sameIgnoringCase = list.find((c) => c.toLowerCase() === lower);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;

  // Short names get one edit at most, so `id` does not suggest `to`.
  const threshold = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= threshold && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Builds the hint for an unknown name: "Did you mean `x`?" when a near name
 * exists, or else the known names under `label`, such as "Declared roles".
 */
export function suggestionHint(name: string, candidates: Iterable<string>, label: string): string {
  const list = [...candidates];
  const near = suggest(name, list);
  if (near !== undefined) return `Did you mean \`${near}\`?`;
  if (list.length === 0) return `${label}: none yet.`;
  const shown = list.slice(0, 8).map((c) => `\`${c}\``).join(', ');
  return `${label}: ${shown}${list.length > 8 ? ', ...' : ''}.`;
}
