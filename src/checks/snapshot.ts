// A snapshot backup's stored backup_label, tablespace_map and volumes, as pg_backup_stop and the driver left them.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { SnapshotDetails } from '../repository/backup-record.ts';

/** What materialising a backup found wrong, by check id (a volume missing, a label that differs...). */
export type MaterialiseFinding = { id: string; message: string };

/** The volume, backup_label and tablespace_map checks of a snapshot backup (none for other backups). */
export function snapshotChecks(
  details: SnapshotDetails | undefined,
  tablespaceCount: number,
  findings: readonly MaterialiseFinding[],
): CheckResult[] {
  if (!details) return [];
  const finding = (id: string): string | undefined => findings.find((f) => f.id === id)?.message;
  const results: CheckResult[] = [];
  const volumes = finding('snapshot:volumes');
  results.push(
    volumes
      ? fail('snapshot', 'snapshot:volumes', 'exact', 'every volume cloned', 'missing', volumes, 0)
      : pass(
          'snapshot',
          'snapshot:volumes',
          'exact',
          'every volume cloned',
          'cloned',
          `PGDATA and ${tablespaceCount} tablespace(s) cloned from snapshot ${details.name} (${details.driver})`,
          0,
        ),
  );
  if (volumes) return results;
  const label = finding('snapshot:backup-label');
  results.push(
    label
      ? fail('snapshot', 'snapshot:backup-label', 'exact', details.labelSha256, 'differs', label, 0)
      : pass(
          'snapshot',
          'snapshot:backup-label',
          'exact',
          details.labelSha256,
          details.labelSha256,
          'backup_label written from the bytes pg_backup_stop returned (SHA-256 matches)',
          0,
        ),
  );
  if (tablespaceCount) {
    const map = finding('snapshot:tablespace-map');
    results.push(
      map
        ? fail('snapshot', 'snapshot:tablespace-map', 'exact', details.spcmapSha256, 'differs', map, 0)
        : pass(
            'snapshot',
            'snapshot:tablespace-map',
            'exact',
            details.spcmapSha256,
            details.spcmapSha256,
            'tablespace_map from pg_backup_stop (SHA-256 matches), its paths pointed at the restored clones',
            0,
          ),
    );
  }
  return results;
}

/** An incremental backup's chain (ids, oldest first, ending with the backup), combined by pg_combinebackup; its refusal in its own words. */
export function combineChecks(ids: readonly string[], findings: readonly MaterialiseFinding[]): CheckResult[] {
  if (ids.length < 2) return [];
  const refused = findings.find((f) => f.id === 'backup:combine')?.message;
  if (refused) return [fail('backup', 'backup:combine', 'exact', ids, 'refused', refused, 0)];
  return [
    pass(
      'backup',
      'backup:combine',
      'exact',
      ids,
      'combined',
      `pg_combinebackup combined ${ids.join(' ← ')} into the data directory`,
      0,
    ),
  ];
}
