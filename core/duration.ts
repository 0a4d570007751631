// Durations written in specs, such as `30m`, `12h` or `3d`: a whole number
// followed by s (seconds), m (minutes), h (hours) or d (days).

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Maximum duration a spec may give: 365 days. */
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

/** Returns the duration in milliseconds, or undefined when the text is not a positive duration of at most 365 days. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms <= MAX_DURATION_MS ? ms : undefined;
}
