// Constructors for check results, so every check states status, exactness and both sides the same way.
import type { CheckKind, CheckResult, Exactness } from './result.ts';

/** A passed check result. */
export function pass(
  kind: CheckKind,
  id: string,
  exactness: Exactness,
  expected: unknown,
  actual: unknown,
  message: string,
  durationMs: number,
): CheckResult {
  return { id, kind, status: 'passed', exactness, expected, actual, message, durationMs };
}

/** A failed check result. */
export function fail(
  kind: CheckKind,
  id: string,
  exactness: Exactness,
  expected: unknown,
  actual: unknown,
  message: string,
  durationMs: number,
): CheckResult {
  return { id, kind, status: 'failed', exactness, expected, actual, message, durationMs };
}
