// pg_verifybackup on a stored basebackup: every file against PostgreSQL's own manifest, and its WAL parses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.ts';
import { ToolError } from '../core/errors.ts';
import { discoverBinaries, tool } from '../env/binaries.ts';
import type { CheckResult } from '../report/result.ts';
import type { StoredBackup } from '../repository/local-repository.ts';

/** Run pg_verifybackup of the backup's major (or newer); a mismatch fails naming the file. */
export async function verifyBackupCheck(backup: StoredBackup): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: 'pg_verifybackup', kind: 'verifybackup', exactness: 'exact' as const, expected: 'backup_manifest matches' };
  const bin = discoverBinaries().filter((b) => b.major >= backup.record.source.major && existsSync(tool(b, 'pg_verifybackup'))).at(-1);
  if (!bin) return { ...base, status: 'skipped', message: `pg_verifybackup ${backup.record.source.major} or newer is not installed`, durationMs: 0 };
  const dir = join(backup.dir, backup.record.physical!.dataDir);
  try {
    await run(tool(bin, 'pg_verifybackup'), ['--quiet', dir], { label: 'pg_verifybackup' });
    return { ...base, status: 'passed', actual: 'matches', message: 'pg_verifybackup: every file matches backup_manifest and the WAL parses', durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const lines = error.stderr.split('\n').map((l) => l.replace(/^pg_verifybackup: (error: )?/, '').trim()).filter(Boolean);
    return { ...base, status: 'failed', actual: lines.slice(0, 20), message: `pg_verifybackup: ${lines.slice(0, 3).join(' | ')}${lines.length > 3 ? ` (+${lines.length - 3} more)` : ''}`, durationMs: Math.round(performance.now() - started) };
  }
}
