// Faults in a backup's evidence: the files a drill trusts (history, expectations) and which backup it is offered.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Fault } from '../fault.ts';
import { resealManifest, type BackupCopy } from '../inject/backup-copy.ts';
import type { BackupRecord } from '../../repository/backup-record.ts';
import { checkRecord } from '../../repository/record-reader.ts';
import { RecoverableError } from '../../core/errors.ts';

const RECORD = 'backup.json';

// Delete one evidence file the backup's record names, leaving the manifest as it was.
async function deleteEvidence(copy: BackupCopy, file: string | null, what: string): Promise<string> {
  if (!file)
    throw new RecoverableError('fault-not-injectable', `backup ${copy.backup.record.id} records no ${what} file`);
  await rm(join(copy.backup.dir, file));
  return `deleted ${file} from backup ${copy.backup.record.id}`;
}

export const historyMissing: Fault = {
  id: 'history-missing',
  family: 'evidence',
  injects: 'the history (markers and end state recorded after the backup) deleted from the backup, manifest untouched',
  reason: /history\.json is missing/,
  caughtBy: { basebackup: 'manifest', snapshot: 'manifest' },
  injection: { stage: 'backup', apply: (copy) => deleteEvidence(copy, copy.backup.record.historyFile, 'history') },
};

export const expectationsMissing: Fault = {
  id: 'expectations-missing',
  family: 'evidence',
  injects: 'the expectations captured with the backup deleted from it, manifest untouched',
  reason: /expectations\.json is missing/,
  caughtBy: { dump: 'manifest', basebackup: 'manifest', snapshot: 'manifest' },
  injection: {
    stage: 'backup',
    apply: (copy) => deleteEvidence(copy, copy.backup.record.expectationsFile, 'expectations'),
  },
};

// Pass a stale backup off as fresh: backup.json says it was taken now, and the manifest is rewritten to match.
async function backdateConsistently(copy: BackupCopy): Promise<string> {
  const file = join(copy.backup.dir, RECORD);
  const record = checkRecord(JSON.parse(await readFile(file, 'utf8')), file);
  const now = new Date();
  const claimed: BackupRecord = {
    ...record,
    startedAt: now.toISOString(),
    finishedAt: new Date(now.getTime() + record.durationMs).toISOString(),
  };
  await writeFile(file, `${JSON.stringify(claimed, null, 2)}\n`);
  // The attacker has no key: the manifest matches every file again, its signature is left as it was.
  await resealManifest(copy, { sign: false });
  return `backup.json of ${record.id} rewritten to claim it was taken at ${claimed.startedAt} (not ${record.startedAt}), manifest.json rewritten to match; signature untouched`;
}

export const signedManifestTampered: Fault = {
  id: 'signed-manifest-tampered',
  family: 'evidence',
  injects:
    'a stored file (backup.json, backdated to look fresh) and the manifest rewritten consistently by someone without the signing key',
  reason: /manifest\.json does not match its signature/,
  caughtBy: { dump: 'evidence:signature', basebackup: 'evidence:signature', snapshot: 'evidence:signature' },
  injection: { stage: 'backup', apply: (copy) => backdateConsistently(copy) },
};

export const foreignBackup: Fault = {
  id: 'foreign-backup',
  family: 'evidence',
  injects:
    "another scenario's backup beside this one's in the repository (a sound backup, sealed by its own manifest), offered by its id",
  reason: /another source's/,
  caughtBy: { dump: 'backup.use', basebackup: 'backup.use', snapshot: 'backup.use' },
  injection: {
    stage: 'repository',
    async apply(copy) {
      const record = copy.backup.record;
      const id = `${record.id.slice(0, -6)}ffffff`;
      const dir = join(dirname(copy.backup.dir), id);
      await cp(copy.backup.dir, dir, { recursive: true, preserveTimestamps: true });
      const foreign: BackupRecord = {
        ...checkRecord(JSON.parse(await readFile(join(dir, RECORD), 'utf8')), join(dir, RECORD)),
        id,
        scenario: 'another-scenario',
      };
      await writeFile(join(dir, RECORD), `${JSON.stringify(foreign, null, 2)}\n`);
      await resealManifest({ ...copy, backup: { record: foreign, dir } });
      return {
        injected: `backup ${id}: a copy of ${record.id} recorded as scenario "another-scenario", manifest resealed`,
        use: id,
      };
    },
  },
};
