// Ledger runs for the ledger, metrics and history tests.
import type { LedgerRun } from '../../../src/ledger/ledger-run.ts';
import type { Verdict } from '../../../src/run/result.ts';

/** A ledger run of `scenario` that finished at `finishedAt`, passed unless overridden, RTO 12 s of 5 min. */
export function ledgerRun(overrides: Partial<LedgerRun> & { runId: string; finishedAt: string }): LedgerRun {
  return {
    scenario: 'nightly',
    scenarioSha256: 'ab'.repeat(32),
    scenarioPath: '/scenarios/nightly.yaml',
    startedAt: overrides.finishedAt,
    verdict: 'passed',
    exitCode: 0,
    summary: 'all checks passed',
    errorCode: null,
    backup: { id: `backup-${overrides.runId}`, method: 'dump', takenAt: overrides.finishedAt, taken: true },
    toolVersion: '0.1.0',
    objectives: [{ kind: 'rto', objectiveMs: 300_000, measuredMs: 12_000, status: 'passed', basis: 'sum of phases' }],
    phases: [
      { restoreIndex: 0, target: 'immediate', name: 'restore', durationMs: 9_000 },
      { restoreIndex: 0, target: 'immediate', name: 'checks', durationMs: 3_000 },
    ],
    checkCounts: { passed: 10, failed: 0, skipped: 1, errored: 0 },
    ...overrides,
  };
}

/** Runs given by verdict and RTO, newest first, one hour apart ending at 2026-01-10T12:00Z. */
export function series(entries: ReadonlyArray<[Verdict, number | null]>): LedgerRun[] {
  const end = Date.parse('2026-01-10T12:00:00.000Z');
  return entries.map(([verdict, rtoMs], i) =>
    ledgerRun({
      runId: `run-${String(entries.length - i).padStart(3, '0')}`,
      finishedAt: new Date(end - i * 3_600_000).toISOString(),
      verdict,
      objectives: [
        {
          kind: 'rto',
          objectiveMs: 300_000,
          measuredMs: rtoMs,
          status: verdict === 'passed' ? 'passed' : 'failed',
          basis: 'sum of phases',
        },
      ],
    }),
  );
}
