// What happened on a managed source after a physical backup: markers and the final state.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Expectations } from '../expectations/capture.ts';
import type { MarkerRecord } from '../source/markers.ts';
import { writeFileAtomic } from './durable.ts';

export interface SourceHistory {
  formatVersion: 1;
  backupId: string;
  systemIdentifier: string;
  /** Markers written after the backup, oldest first. */
  markers: MarkerRecord[];
  /** The source when it stopped: everything archived up to here. */
  end: { expectations: Expectations; lastCommitTime: string; lsn: string; lastSegment: string };
}

const dirOf = (repository: string): string => join(repository, 'history');

/** Store the history of a backup's source (atomically). */
export async function writeHistory(repository: string, history: SourceHistory): Promise<void> {
  await mkdir(dirOf(repository), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(dirOf(repository), `${history.backupId}.json`), `${JSON.stringify(history)}\n`, 0o600);
}

/** The history recorded after a backup, or null when none was (a url source, or markers off). */
export async function readHistory(repository: string, backupId: string): Promise<SourceHistory | null> {
  try {
    return JSON.parse(await readFile(join(dirOf(repository), `${backupId}.json`), 'utf8')) as SourceHistory;
  } catch {
    return null;
  }
}
