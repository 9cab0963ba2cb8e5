// Show two long definitions where they part: a window around the first difference, whitespace folded, both quoted.

const CONTEXT = 24;
const WIDTH = 72;

/**
 * Readable excerpts of two values that differ: short values whole, long ones cut to the part that differs
 * (with ellipses where text was cut). Null shows as "(none)". Whitespace runs fold to one space unless only
 * whitespace differs, so that the difference itself stays visible.
 */
export function excerpt(expected: string | null, actual: string | null): [string, string] {
  if (expected === null || actual === null) return [show(expected), show(actual)];
  const escape = (s: string): string => JSON.stringify(s).slice(1, -1);
  const [w, a] = fold(expected) === fold(actual) ? [escape(expected), escape(actual)] : [fold(expected), fold(actual)];
  if (w.length <= WIDTH && a.length <= WIDTH) return [quote(w), quote(a)];
  let start = 0;
  while (start < w.length && start < a.length && w[start] === a[start]) start++;
  let end = 0;
  while (end < w.length - start && end < a.length - start && w[w.length - 1 - end] === a[a.length - 1 - end]) end++;
  const from = Math.max(0, start - CONTEXT);
  const cut = (s: string): string => {
    const to = Math.min(s.length, Math.max(s.length - end + CONTEXT, from + 1), from + WIDTH);
    return `${from > 0 ? '…' : ''}${s.slice(from, to)}${to < s.length ? '…' : ''}`;
  };
  return [quote(cut(w)), quote(cut(a))];
}

function show(value: string | null): string {
  if (value === null) return '(none)';
  const folded = fold(value);
  return quote(folded.length > WIDTH ? `${folded.slice(0, WIDTH)}…` : folded);
}

function fold(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function quote(s: string): string {
  return `"${s}"`;
}
