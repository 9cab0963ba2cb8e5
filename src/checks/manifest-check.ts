// Verify a stored backup against its manifest before restoring it.
import type { CheckResult } from '../run/result.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { verifyManifest, describeFinding } from '../repository/manifest.ts';
import { BackupUnusableError } from '../core/errors.ts';

/** Every file's size and SHA-256 must match what was recorded when the backup completed. */
export async function manifestCheck(repo: LocalRepository, backup: StoredBackup): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: 'manifest', kind: 'manifest' as const, exactness: 'exact' as const };
  try {
    const manifest = await repo.readManifest(backup);
    const findings = await verifyManifest(backup.dir, manifest);
    const durationMs = Math.round(performance.now() - started);
    if (findings.length === 0) {
      const delegated = (manifest.delegated ?? [])
        .map((d) => `; ${d.dir}/ is covered by ${d.manifest} (${d.verifiedBy})`)
        .join('');
      return {
        ...base,
        status: 'passed',
        expected: manifest.files.length,
        actual: manifest.files.length,
        message: `all ${manifest.files.length} files match their size and SHA-256${delegated}`,
        durationMs,
      };
    }
    return {
      ...base,
      status: 'failed',
      expected: manifest.files.length,
      actual: findings.map(describeFinding),
      message: `backup ${backup.record.id} was altered after it completed: ${findings.slice(0, 3).map(describeFinding).join('; ')}${findings.length > 3 ? ` (+${findings.length - 3} more)` : ''}`,
      durationMs,
    };
  } catch (error) {
    if (!(error instanceof BackupUnusableError)) throw error;
    return { ...base, status: 'failed', message: error.message, durationMs: Math.round(performance.now() - started) };
  }
}
