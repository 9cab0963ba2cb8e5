// A dump restore's own steps as checks: each tool step quoted in its own words, and what the scenario opted out of.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';

/** A failed tool step is a failed check that quotes the tool's own words. */
export function restoreStepCheck(id: string, okMessage: string, errors: readonly string[]): CheckResult {
  if (errors.length === 0) return pass('restore', id, 'exact', 0, 0, okMessage, 0);
  const shown = errors.slice(0, 5).join(' | ');
  return fail(
    'restore',
    id,
    'exact',
    0,
    errors.length,
    `${errors.length} error(s) while restoring: ${shown}${errors.length > 5 ? ` (+${errors.length - 5} more)` : ''}`,
    0,
  );
}

/** What the scenario asked pg_restore not to restore. */
export interface RestoreOptOuts {
  noOwner: boolean;
  noPrivileges: boolean;
}

/** The scenario asked pg_restore not to restore owners or grants: the database's own are then not expected back. */
export function optedOut(check: CheckResult, options: RestoreOptOuts): CheckResult {
  const why =
    check.id === 'database:owner' && options.noOwner
      ? 'restore.noOwner (pg_restore --no-owner)'
      : check.id === 'database:privileges' && options.noPrivileges
        ? 'restore.noPrivileges (pg_restore --no-privileges)'
        : null;
  if (!why || check.status !== 'failed') return check;
  return {
    ...check,
    status: 'skipped',
    exactness: 'not-available',
    message: `not compared: the scenario sets ${why}; ${check.message}`,
  };
}
