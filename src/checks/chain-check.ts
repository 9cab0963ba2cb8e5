// `backup:chain`: an incremental backup restores only with every backup before it, intact, of its cluster, in order.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckResult } from '../run/result.ts';
import { isPhysicalBackup, type LocalRepository, type StoredBackup } from '../repository/local-repository.ts';
import type { PhysicalBackupRecord } from '../repository/backup-record.ts';
import { chainFindings, type ChainLink } from '../repository/backup-chain.ts';
import { manifestCheck } from './manifest-check.ts';
import { fail, pass } from '../run/check.ts';

/** The check, and the chain's backups oldest first (what pg_combinebackup reads before `backup`) when it passed. */
export interface ChainCheck {
  check: CheckResult;
  chain: Array<StoredBackup<PhysicalBackupRecord>>;
}

/** Find each backup of the chain in the repository, verify its files against its manifest, and check the links. */
export async function chainCheck(repo: LocalRepository, backup: StoredBackup): Promise<ChainCheck> {
  const started = performance.now();
  const physical = backup.record.physical;
  const ids = physical?.incremental?.chain ?? [];
  const stored = await repo.list();
  const found = ids.map((id) => stored.find((b) => b.record.id === id) ?? null);
  const links: ChainLink[] = await Promise.all(
    ids.map(async (id, i) => {
      const stored = found[i];
      return {
        id,
        record: stored?.record ?? null,
        label: stored ? await dataFile(stored, 'backup_label') : null,
        manifest: stored ? await dataFile(stored, 'backup_manifest') : null,
      };
    }),
  );
  const findings = chainFindings(
    {
      id: backup.record.id,
      record: backup.record,
      label: await dataFile(backup, 'backup_label'),
      manifest: await dataFile(backup, 'backup_manifest'),
    },
    links,
  );
  // Each parent's own files as they were when it completed (its data directory is pg_verifybackup's).
  for (const parent of found) {
    if (!parent) continue;
    const manifest = await manifestCheck(repo, parent);
    if (manifest.status !== 'passed') findings.push(`backup ${parent.record.id} of the chain: ${manifest.message}`);
  }
  const durationMs = Math.round(performance.now() - started);
  const expected = [...ids, backup.record.id];
  if (findings.length > 0) {
    const message = `the incremental chain of ${backup.record.id} cannot be restored: ${findings.join('; ')}`;
    return { check: fail('backup', 'backup:chain', 'exact', expected, findings, message, durationMs), chain: [] };
  }
  // Only a physical record with a chain passes (chainFindings names any other), so the identity is recorded here.
  const system = physical?.systemIdentifier ?? '(none recorded)';
  const message = `a full backup and ${ids.length} incremental${ids.length === 1 ? '' : 's'} chain by start LSN, of one cluster (${system}), each intact: ${expected.join(' ← ')}`;
  return {
    check: pass('backup', 'backup:chain', 'exact', expected, expected, message, durationMs),
    // A record of another method is a finding of chainFindings above: none reaches a passed chain.
    chain: found.filter((b): b is StoredBackup<PhysicalBackupRecord> => b !== null && isPhysicalBackup(b)),
  };
}

// A file pg_basebackup wrote into the data directory (backup_label, backup_manifest), or null when unreadable.
async function dataFile(backup: StoredBackup, name: string): Promise<string | null> {
  const physical = backup.record.physical;
  if (!physical) return null;
  return readFile(join(backup.dir, physical.dataDir, name), 'utf8').catch(() => null);
}
