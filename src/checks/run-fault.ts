// Checks that say where a drill or one restore broke, so a run that stopped early never reads as a pass.
import type { CheckResult } from '../run/result.ts';

/** Where a drill broke before its restores: the backup (a finding), the machine, or the harness itself. */
export type RunFault = 'backup' | 'environment' | 'internal';

/** A backup that could not be taken or read failed; a machine or harness that gave out errored. */
export function runFaultCheck(fault: RunFault, message: string): CheckResult {
  return { id: fault, kind: fault, status: fault === 'backup' ? 'failed' : 'errored', message, durationMs: 0 };
}

/** One restore the harness could not finish: errored, never a pass. */
export function restoreNotCompletedCheck(message: string): CheckResult {
  return {
    id: 'restore:completed',
    kind: 'restore',
    status: 'errored',
    message: `the restore could not be completed: ${message}`,
    durationMs: 0,
  };
}
