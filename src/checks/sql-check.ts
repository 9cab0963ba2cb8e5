// The scenario's own assertions: one query, its first value compared with `expect`.
import type pg from 'pg';
import type { CheckResult } from '../run/result.ts';
import type { CheckSpec } from '../scenario/types.ts';

type SqlSpec = Extract<CheckSpec, { kind: 'sql' }>;

/** Run one SQL assertion; a query error is `errored` (it proves nothing), a different value `failed`. */
export async function sqlCheck(client: pg.Client, spec: SqlSpec, index: number): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: `sql:${index + 1}:${spec.name}`, kind: 'sql', exactness: 'exact' as const, expected: spec.expect };
  try {
    const result = await client.query({ text: spec.query, rowMode: 'array' });
    const value: unknown = result.rows[0]?.[0] ?? null;
    const durationMs = Math.round(performance.now() - started);
    const actual = normalize(value);
    return sameValue(actual, spec.expect)
      ? { ...base, status: 'passed', actual, message: `${spec.name}: ${JSON.stringify(actual)} as expected`, durationMs }
      : { ...base, status: 'failed', actual, message: `${spec.name}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(spec.expect)}`, durationMs };
  } catch (error) {
    return { ...base, status: 'errored', message: `${spec.name}: the query failed: ${(error as Error).message}`, durationMs: Math.round(performance.now() - started) };
  }
}

// node-postgres returns bigint and numeric as strings: compare numbers as numbers.
function normalize(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

function sameValue(actual: unknown, expected: SqlSpec['expect']): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') return actual === expected;
  if (expected === null) return actual === null;
  return String(actual) === String(expected);
}
