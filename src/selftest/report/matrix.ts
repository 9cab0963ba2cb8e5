// The matrix every human report shows: one row per clean drill and per fault, in run order.
import type { FaultOutcomeKind, SelftestResult } from '../result.ts';

export interface MatrixRow {
  method: string;
  /** `clean` or the fault's id. */
  fault: string;
  stage: string;
  /** What was injected (exactly, when the injection said so). */
  injected: string;
  /** The check meant to catch it. */
  expected: string;
  /** `passed`/`failed`/`errored` for a clean drill, the outcome for a fault. */
  outcome: FaultOutcomeKind | 'passed' | 'failed' | 'errored';
  /** Whether this row is as it must be (a clean drill passed, a fault caught by its intended check). */
  ok: boolean;
  /** The checks that failed, the intended one first. */
  caughtBy: string;
  /** What the catching check said, or why the row is not ok. */
  message: string;
}

/** Flatten a self-test result into matrix rows. */
export function matrixRows(result: SelftestResult): MatrixRow[] {
  return result.methods.flatMap((m) => [
    {
      method: m.method,
      fault: 'clean',
      stage: '-',
      injected: `nothing (targets: ${m.clean.targets.join(', ')})`,
      expected: 'every check passes',
      outcome: m.clean.verdict,
      ok: m.clean.verdict === 'passed',
      caughtBy: '',
      message: m.clean.summary,
    },
    ...m.faults.map((f): MatrixRow => ({
      method: m.method,
      fault: f.id,
      stage: f.stage,
      injected: f.injected ? `${f.injects} (${f.injected})` : f.injects,
      expected: f.expectedCheck,
      outcome: f.outcome,
      ok: f.outcome === 'caught',
      caughtBy: checkList(f.failedChecks.map((c) => c.id)),
      message: f.outcome === 'caught' && f.intended ? f.intended.message : f.message,
    })),
  ]);
}

/** What an outcome means, in a few words. */
export function outcomeText(outcome: MatrixRow['outcome']): string {
  switch (outcome) {
    case 'caught':
      return 'caught';
    case 'caught-elsewhere':
      return 'caught by another check (finding)';
    case 'wrong-reason':
      return 'check failed for another reason (finding)';
    case 'missed':
      return 'SLIPPED THROUGH';
    case 'not-run':
      return 'not run';
    default:
      return outcome;
  }
}

// The first few failed checks and how many more: a damaged dump fails every table's checks after the one that matters.
function checkList(ids: string[], max = 3): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} (+${ids.length - max} more)`;
}
