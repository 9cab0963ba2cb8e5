// pg_verifybackup on a stored basebackup: every file against PostgreSQL's own manifest, and its WAL parses.
import { join } from 'node:path';
import { ToolError } from '../core/errors.ts';
import type { Runtime } from '../env/runtime.ts';
import type { CheckResult } from '../run/result.ts';
import type { StoredBackup } from '../repository/local-repository.ts';
import type { PhysicalBackupRecord } from '../repository/backup-record.ts';

/** Run pg_verifybackup of the backup's major in `runtime` (which sees the repository); a mismatch fails naming the file. */
export async function verifyBackupCheck(
  backup: StoredBackup<PhysicalBackupRecord>,
  runtime: Runtime,
): Promise<CheckResult> {
  const started = performance.now();
  const base = {
    id: 'pg_verifybackup',
    kind: 'verifybackup' as const,
    exactness: 'exact' as const,
    expected: 'backup_manifest matches',
  };
  if (!runtime.has('pg_verifybackup'))
    return {
      ...base,
      status: 'skipped',
      message: `pg_verifybackup is not available in ${runtime.describe()}`,
      durationMs: 0,
    };
  const dir = join(backup.dir, backup.record.physical.dataDir);
  try {
    await runtime.tool('pg_verifybackup', ['--quiet', dir]);
    return {
      ...base,
      status: 'passed',
      actual: 'matches',
      message: 'pg_verifybackup: every file matches backup_manifest and the WAL parses',
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const lines = error.stderr
      .split('\n')
      .map((l) => l.replace(/^pg_verifybackup: (error: )?/, '').trim())
      .filter(Boolean);
    return {
      ...base,
      status: 'failed',
      actual: lines.slice(0, 20),
      message: `pg_verifybackup: ${lines.slice(0, 3).join(' | ')}${lines.length > 3 ? ` (+${lines.length - 3} more)` : ''}`,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
