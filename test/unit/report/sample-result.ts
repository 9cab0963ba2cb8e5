// Fixture run results for the reporter tests: one that failed in several ways, one that passed.

import { RESULT_SCHEMA_VERSION } from '../../../src/run/result.ts';
import { allChecks, decideVerdict } from '../../../src/run/verdict.ts';
import type { CheckKind, CheckResult, ObjectiveResult, RestoreResult, RunResult } from '../../../src/run/result.ts';

export const HOSTILE_MESSAGE = 'row count differs <script>alert("x")</script> | see pg_restore log';
export const LONG_VALUE = 'x'.repeat(300);

// The kind a check id's prefix names (`rowcount:shop.orders` is a rowcounts check).
const KIND_OF_ID: Record<string, CheckKind> = {
  rowcount: 'rowcounts',
  fingerprint: 'fingerprints',
  amcheck: 'amcheck',
  manifest: 'manifest',
  sql: 'sql',
};

/** A check, passed unless overridden. */
export function check(overrides: Partial<CheckResult> & Pick<CheckResult, 'id'>): CheckResult {
  return {
    kind: KIND_OF_ID[overrides.id.split(':')[0] ?? ''] ?? 'sql',
    status: 'passed',
    message: 'ok',
    durationMs: 12,
    ...overrides,
  };
}

/** A restore with three phases and the given checks. */
export function restore(overrides: Partial<RestoreResult> = {}): RestoreResult {
  return {
    target: 'immediate',
    environment: { kind: 'local', version: 15 },
    reached: { kind: 'immediate', lsn: '0/3000100', proof: 'recovery stopping after reaching consistency' },
    phases: [
      { name: 'fetch', durationMs: 1_200 },
      { name: 'restore', durationMs: 8_400 },
      { name: 'checks', durationMs: 2_500 },
    ],
    checks: [check({ id: 'rowcount:shop.orders', exactness: 'exact', expected: 2000, actual: 2000 })],
    ...overrides,
  };
}

/** An objective, passed unless overridden. */
export function objective(overrides: Partial<ObjectiveResult> & Pick<ObjectiveResult, 'name'>): ObjectiveResult {
  return {
    objectiveMs: 300_000,
    measuredMs: 12_100,
    status: 'passed',
    basis: 'sum of phases: fetch, restore, checks',
    ...overrides,
  };
}

/** A run that passed: one run-level check, one restore, both objectives met. */
export function passingResult(overrides: Partial<RunResult> = {}): RunResult {
  const base: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: '20250101T020000Z-quickstart-a1b2',
    tool: { name: 'recoverable', version: '0.1.0' },
    scenario: { name: 'quickstart', path: 'scenarios/quickstart.yaml', sha256: 'c0ffee'.padEnd(64, '0') },
    startedAt: '2025-01-01T02:00:00.000Z',
    finishedAt: '2025-01-01T02:03:04.000Z',
    verdict: 'passed',
    summary: 'all 2 checks and 2 objectives passed',
    backup: {
      id: '20250101T020001Z-dump',
      method: 'dump',
      sizeBytes: 1_258_291,
      durationMs: 4_321,
      taken: true,
      takenAt: '2025-01-01T02:00:01.000Z',
      sourceVersion: 15,
    },
    restores: [restore()],
    objectives: [objective({ name: 'rto' }), objective({ name: 'rpo', objectiveMs: 60_000, measuredMs: 0 })],
    checks: [check({ id: 'manifest:backup', kind: 'manifest', message: 'all 12 files match the manifest' })],
  };
  return { ...base, ...overrides };
}

/** A run with one failed, one errored and one skipped check, a failed objective and a second restore. */
export function failingResult(): RunResult {
  const result = passingResult({
    restores: [
      restore({
        checks: [
          check({ id: 'rowcount:shop.orders', exactness: 'exact', expected: 2000, actual: 2000 }),
          check({
            id: 'fingerprint:shop.orders',
            kind: 'fingerprints',
            status: 'failed',
            exactness: 'exact',
            expected: LONG_VALUE,
            actual: 'a|b]]>c',
            message: HOSTILE_MESSAGE,
            durationMs: 1_500,
          }),
          check({
            id: 'amcheck:shop',
            kind: 'amcheck',
            status: 'skipped',
            message: 'amcheck extension is not installed',
          }),
          check({
            id: 'sql:negative-totals',
            kind: 'sql',
            status: 'errored',
            message: 'relation "shop.orders" does not exist',
          }),
        ],
        warnings: ['pg_restore: warning: errors ignored on restore: 1'],
      }),
      restore({
        target: 'latest',
        environment: { kind: 'docker', version: 17, image: 'postgres:17' },
        reached: { kind: 'latest', proof: 'redo done at 0/4000028' },
      }),
    ],
    objectives: [
      objective({ name: 'rto', objectiveMs: 5_000, measuredMs: 12_100, status: 'failed' }),
      objective({ name: 'rpo', objectiveMs: 60_000, measuredMs: 1_000 }),
    ],
  });
  return { ...result, verdict: decideVerdict(result), summary: 'a check and an objective failed' };
}

/** Checks and objectives of a result with the given status, for counting. */
export function countStatus(result: RunResult, status: CheckResult['status']): number {
  return [...allChecks(result), ...result.objectives].filter((item) => item.status === status).length;
}
