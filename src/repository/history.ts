// What happened on a managed source after a physical backup (markers and the final state), kept inside the backup.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupUnusableError } from '../core/errors.ts';
import type { Expectations } from '../expectations/capture.ts';
import type { MarkerRecord } from '../source/markers.ts';
import { currentLayout, parseEvidence, type LocalRepository, type StoredBackup } from './local-repository.ts';

export interface SourceHistory {
  formatVersion: 1;
  backupId: string;
  systemIdentifier: string;
  /** Markers written after the backup, oldest first. */
  markers: MarkerRecord[];
  /** The source when it stopped: everything archived up to here. */
  end: { expectations: Expectations; lastCommitTime: string; lsn: string; lastSegment: string };
}

/** Where the history lives inside a backup (the record names it, the manifest covers it). */
export const HISTORY_FILE = 'history.json';

/** Write the history into a backup being staged, before it is committed (so its manifest covers it). */
export async function writeHistory(stagedDir: string, history: SourceHistory): Promise<string> {
  await writeFile(join(stagedDir, HISTORY_FILE), `${JSON.stringify(history)}\n`, { mode: 0o600 });
  return HISTORY_FILE;
}

/**
 * The history recorded after a backup, checked against its manifest: null only when the record says none was
 * kept (a url source); missing, altered or another backup's makes the backup unusable, naming the file.
 */
export async function readHistory(repo: LocalRepository, backup: StoredBackup): Promise<SourceHistory | null> {
  const { record } = currentLayout(backup);
  if (record.historyFile === null) return null;
  const history = parseEvidence<SourceHistory>(
    backup,
    record.historyFile,
    'history',
    await repo.readEvidence(backup, record.historyFile, 'history'),
  );
  const system = record.physical?.systemIdentifier;
  if (history.backupId !== record.id || history.systemIdentifier !== system) {
    throw new BackupUnusableError(
      `backup ${record.id}: its history file ${record.historyFile} is that of backup ${history.backupId} (system ${history.systemIdentifier}), not this one (system ${system ?? 'unknown'})`,
      {
        hint: 'the backup was altered: take a new one',
      },
    );
  }
  return history;
}
