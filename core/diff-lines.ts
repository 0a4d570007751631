// Line diff for short texts such as SQL statements: a longest-common-subsequence
// table, fine for the few dozen lines a statement has.

/** One line of a diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Lines of either text past which diffLines reports the whole text as replaced instead of aligning it. */
export const MAX_ALIGNED_LINES = 2000;

/** Compares two texts line by line; trailing whitespace is ignored when lines are matched. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length > MAX_ALIGNED_LINES || b.length > MAX_ALIGNED_LINES) {
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  }
  const same = (i: number, j: number): boolean => a[i].trimEnd() === b[j].trimEnd();

  // common[i][j] is the length of the longest common subsequence of a[i..] and b[j..].
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = same(i, j) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }

  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (same(i, j)) {
      out.push({ op: ' ', text: b[j] });
      i++;
      j++;
    } else if (common[i + 1][j] >= common[i][j + 1]) {
      out.push({ op: '-', text: a[i++] });
    } else {
      out.push({ op: '+', text: b[j++] });
    }
  }
  while (i < a.length) out.push({ op: '-', text: a[i++] });
  while (j < b.length) out.push({ op: '+', text: b[j++] });
  return out;
}

/**
 * Keeps the changed lines of a diff and `context` unchanged lines around each
 * run of changes; a gap of skipped lines becomes one `…` line.
 */
export function compactDiff(lines: DiffLine[], context = 1): DiffLine[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.op === ' ') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) keep[k] = true;
  });
  const out: DiffLine[] = [];
  let skipped = false;
  lines.forEach((line, index) => {
    if (keep[index]) {
      out.push(line);
      skipped = false;
    } else if (!skipped) {
      out.push({ op: ' ', text: '…' });
      skipped = true;
    }
  });
  return out;
}

/** Formats diff lines as unified-diff text lines: `- old`, `+ new`, `  kept`. */
export function formatDiffLines(lines: DiffLine[]): string[] {
  return lines.map((line) => `${line.op} ${line.text}`.trimEnd());
}

function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  // A block scalar ends with a newline, which would otherwise show as an empty last line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
