// The scenario's own assertions: one query, its first value compared exactly, with its type, to `expect`.
import type pg from 'pg';
import type { CheckResult } from '../run/result.ts';
import type { CheckSpec } from '../scenario/types.ts';
import { decimalOf, displayExpected, sameDecimal, type Expected } from './exact-value.ts';

type SqlSpec = Extract<CheckSpec, { kind: 'sql' }>;

/** The first value as the server printed it, with its type; null text for SQL NULL. */
interface ServerValue {
  rows: number;
  text: string | null;
  typeOid: number;
}

// Types whose text is a decimal number (money is not: it prints a currency symbol).
const NUMERIC_TYPES = new Map([
  [20, 'bigint'],
  [21, 'smallint'],
  [23, 'integer'],
  [26, 'oid'],
  [700, 'real'],
  [701, 'double precision'],
  [1700, 'numeric'],
]);
const BOOL = 16;
const OTHER_TYPES = new Map([
  [25, 'text'],
  [1043, 'varchar'],
  [1042, 'char'],
  [19, 'name'],
  [1082, 'date'],
  [1114, 'timestamp'],
  [1184, 'timestamptz'],
  [1186, 'interval'],
  [114, 'json'],
  [3802, 'jsonb'],
  [2950, 'uuid'],
  [790, 'money'],
  [17, 'bytea'],
]);
// Every value arrives as the server's own text: no Number(), no Date, nothing rounded on the way.
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** Run one SQL assertion; a query error is `errored` (it proves nothing), a different value or type `failed`. */
export async function sqlCheck(client: pg.Client, spec: SqlSpec, index: number): Promise<CheckResult> {
  const started = performance.now();
  const expected = spec.expect as Expected;
  const base = {
    id: `sql:${index + 1}:${spec.name}`,
    kind: 'sql' as const,
    exactness: 'exact' as const,
    expected: displayExpected(expected),
  };
  try {
    const result = await client.query<unknown[]>({ text: spec.query, rowMode: 'array', types: RAW_TEXT });
    const first = result.rows[0]?.[0];
    const value: ServerValue = {
      rows: result.rows.length,
      text: first === null || first === undefined ? null : String(first),
      typeOid: result.fields[0]?.dataTypeID ?? 0,
    };
    const durationMs = Math.round(performance.now() - started);
    const mismatch = compareValue(expected, value);
    const shown = describe(value);
    return mismatch === null
      ? { ...base, status: 'passed', actual: value.text, message: `${spec.name}: ${shown} as expected`, durationMs }
      : { ...base, status: 'failed', actual: value.text, message: `${spec.name}: ${mismatch}`, durationMs };
  } catch (error) {
    return {
      ...base,
      status: 'errored',
      message: `${spec.name}: the query failed: ${(error as Error).message}`,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Null when the server's value is exactly what was expected, otherwise why not (pure, unit-tested). */
export function compareValue(expected: Expected, value: ServerValue): string | null {
  const got = describe(value);
  if (expected === null) return value.text === null ? null : `got ${got}, expected NULL`;
  if (value.text === null) return `got ${got}, expected ${JSON.stringify(displayExpected(expected))}`;
  if (typeof expected === 'boolean') {
    if (value.typeOid !== BOOL) return `got ${got}, expected the boolean ${expected}`;
    return (value.text === 't') === expected ? null : `got ${got}, expected ${expected}`;
  }
  if (typeof expected === 'string')
    return value.text === expected ? null : `got ${got}, expected the text ${JSON.stringify(expected)}`;
  const want = decimalOf(expected);
  if (!NUMERIC_TYPES.has(value.typeOid))
    return `got ${got}, expected the number ${want} (compare text by quoting the expected value)`;
  return sameDecimal(value.text, want) ? null : `got ${got}, expected ${want}`;
}

// "numeric 100.000000000000000001", "NULL", "no rows".
function describe(value: ServerValue): string {
  if (value.rows === 0) return 'no rows (NULL)';
  if (value.text === null) return 'NULL';
  const type =
    value.typeOid === BOOL
      ? 'boolean'
      : (NUMERIC_TYPES.get(value.typeOid) ?? OTHER_TYPES.get(value.typeOid) ?? `a value of type oid ${value.typeOid}`);
  return `${type} ${value.typeOid === BOOL ? String(value.text === 't') : JSON.stringify(value.text).replace(/^"(-?[\d.eE+-]+)"$/, '$1')}`;
}
