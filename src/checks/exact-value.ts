// Exact values for SQL assertions: decimals compared digit for digit, never through a binary float.

/** A number from a scenario that a JS number cannot hold exactly (e.g. 9007199254740993), kept as its decimal text. */
export interface DecimalText {
  decimal: string;
}

/** What an assertion expects, as written in the scenario. */
export type Expected = number | string | boolean | null | DecimalText;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal as sign, digits without leading zeros, and a power of ten; null for text that is not a finite decimal. */
export function parseDecimal(text: string): { negative: boolean; digits: bigint; exponent: number } | null {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const fraction = m[3] ?? '';
  let digits = BigInt(`${m[2] || '0'}${fraction}`);
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === 0n) return { negative: false, digits, exponent: 0 };
  while (digits % 10n === 0n) {
    digits /= 10n;
    exponent++;
  }
  return { negative: m[1] === '-', digits, exponent };
}

/** Whether two decimal texts denote the same number (1.0 = 1, 1e2 = 100; 9007199254740993 ≠ 9007199254740992). */
export function sameDecimal(a: string, b: string): boolean {
  const special = (t: string): string | null =>
    /^[+-]?(nan|infinity|inf)$/i.test(t.trim())
      ? t.trim().toLowerCase().replace(/^\+/, '').replace('infinity', 'inf')
      : null;
  if (special(a) !== null || special(b) !== null) return special(a) === special(b);
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x !== null && y !== null && x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
}

/** The decimal text an expected number stands for. */
export function decimalOf(expected: number | DecimalText): string {
  if (typeof expected !== 'number') return expected.decimal;
  if (Number.isNaN(expected)) return 'NaN';
  if (!Number.isFinite(expected)) return expected > 0 ? 'Infinity' : '-Infinity';
  return String(expected);
}

/** The value shown in reports for an expectation. */
export function displayExpected(expected: Expected): number | string | boolean | null {
  if (expected === null || typeof expected !== 'object') return expected;
  return decimalOf(expected);
}
