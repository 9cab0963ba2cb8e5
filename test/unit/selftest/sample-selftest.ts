// A self-test result for the reporters: one method, a clean drill, a caught fault, one that slipped through, one errored.
import type { FaultOutcome, SelftestResult } from '../../../src/selftest/result.ts';

export const HOSTILE = '<script>alert(1)</script> | `tick` ]]> & "quote"';

const fault = (over: Partial<FaultOutcome> & Pick<FaultOutcome, 'id' | 'outcome' | 'message'>): FaultOutcome => ({
  family: 'pages',
  method: 'dump',
  stage: 'restored',
  injects: `what ${over.id} injects`,
  expectedCheck: 'amcheck',
  expectedReason: '/x/',
  failedChecks: [],
  durationMs: 1200,
  ...over,
});

/** A failed self-test: heap-page-corrupt slipped through, wal... could not be judged. */
export function sampleSelftest(): SelftestResult {
  return {
    schemaVersion: 1,
    kind: 'selftest',
    runId: '20261202T030000Z-abcdef',
    tool: { name: 'recoverable', version: '0.1.0' },
    startedAt: '2026-12-02T03:00:00.000Z',
    finishedAt: '2026-12-02T03:01:30.000Z',
    verdict: 'failed',
    summary:
      '1 of 3 faults caught by their intended check (dump); 2 problem(s): heap-page-corrupt (dump) slipped through',
    environment: { kind: 'local', version: 15 },
    weakened: ['amcheck'],
    methods: [
      {
        method: 'dump',
        clean: {
          verdict: 'passed',
          summary: '46 passed, 0 failed',
          backupId: 'b1',
          targets: ['immediate'],
          durationMs: 9000,
        },
        faults: [
          fault({
            id: 'dump-truncated',
            stage: 'backup',
            expectedCheck: 'manifest',
            outcome: 'caught',
            injected: 'db.dump/1.dat.gz cut',
            intended: { id: 'manifest', status: 'failed', message: `altered: ${HOSTILE}` },
            failedChecks: [
              { id: 'manifest', status: 'failed', message: 'altered' },
              { id: 'restore:pg_restore', status: 'failed', message: 'x' },
              { id: 'rowcount:a', status: 'failed', message: 'x' },
              { id: 'rowcount:b', status: 'failed', message: 'x' },
            ],
            message: 'caught by manifest: altered',
          }),
          fault({
            id: 'heap-page-corrupt',
            outcome: 'missed',
            message: `slipped through: no check failed (amcheck did not run) ${HOSTILE}`,
          }),
          fault({
            id: 'index-page-corrupt',
            outcome: 'errored',
            message: 'no check failed and the drill could not finish: restore:completed: boom',
          }),
        ],
      },
    ],
  };
}
