// Durations in a scenario (`500ms`, `30s`, `5m`, `1h30m`): always written with units.

/** The outcome of reading a duration: milliseconds, or a problem with a fix. */
export type DurationResult = { ok: true; ms: number } | { ok: false; problem: string; fix: string };

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
const PART = /\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*/y;
const FIX = 'write a number with a unit, e.g. 500ms, 30s, 5m or 1h30m';

/**
 * Reads a duration such as `500ms`, `30s`, `5m`, `1h30m` or `2h` into milliseconds.
 * Plain numbers are refused: `300` could mean seconds or milliseconds.
 */
export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    return { ok: false, problem: `${value} has no unit`, fix: FIX };
  }
  if (typeof value !== 'string') {
    return { ok: false, problem: `expected a duration, got ${value === null ? 'null' : typeof value}`, fix: FIX };
  }
  const ms = sumParts(value.trim());
  if (ms === undefined) return { ok: false, problem: `"${value}" is not a duration`, fix: FIX };
  if (ms <= 0) return { ok: false, problem: `"${value}" is not longer than zero`, fix: FIX };
  return { ok: true, ms: Math.round(ms) };
}

// Add up `<number><unit>` parts, largest unit first, each unit at most once; undefined if malformed.
function sumParts(text: string): number | undefined {
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let lastRank = -1;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return total;
}
