// Incremental basebackups (PostgreSQL 17+): which stored backup a new one builds on, and whether the source can take one.
import { join } from 'node:path';
import { pgClient } from '../core/pg-client.ts';
import { EnvironmentError, ScenarioError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Source } from '../source/source.ts';
import type { BackupRecord, BasebackupRecord, IncrementalDetails } from '../repository/backup-record.ts';
import { RECORD_FORMAT } from '../repository/backup-record.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { INCREMENTAL_MIN_MAJOR } from '../scenario/rules.ts';
import { labelLsn } from '../repository/backup-chain.ts';

/** What pg_basebackup --incremental builds on: the parent's backup_manifest and the chain the new backup joins. */
export interface IncrementalBase {
  parent: StoredBackup<BasebackupRecord>;
  manifest: string;
  /** The new backup's chain: the parent's chain, then the parent. */
  chain: string[];
}

/**
 * The newest basebackup of the same scenario and cluster (system identifier) that a new incremental can build on, or
 * null. Records of older formats and encrypted backups are passed over: neither can be restored as a chain.
 */
export function chooseParent(
  backups: readonly BackupRecord[],
  scenario: string,
  systemIdentifier: string,
): BasebackupRecord | null {
  const candidates = backups.filter(
    (r): r is BasebackupRecord =>
      r.method === 'basebackup' &&
      r.scenario === scenario &&
      r.formatVersion === RECORD_FORMAT &&
      r.physical.systemIdentifier === systemIdentifier &&
      r.encryption === undefined,
  );
  return [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).at(-1) ?? null;
}

/** The chain a backup taken incrementally from `parent` needs before it, oldest first. */
export function chainAfter(parent: BasebackupRecord): string[] {
  return [...(parent.physical.incremental?.chain ?? []), parent.id];
}

/**
 * Check the source can take an incremental backup (exit 2 below PostgreSQL 17, exit 3 without summarize_wal, exit 2
 * with tablespaces) and find its parent; null means the first backup of this source: a full one, said in the log.
 */
export async function incrementalBase(
  source: Source,
  repo: LocalRepository,
  scenario: string,
  facts: { systemIdentifier: string; tablespaces: readonly unknown[] },
  log: Logger,
): Promise<IncrementalBase | null> {
  if (source.major < INCREMENTAL_MIN_MAJOR) {
    const upgrade = `upgrade the source to PostgreSQL ${INCREMENTAL_MIN_MAJOR} or newer, or remove backup.incremental`;
    throw new ScenarioError(
      `backup.incremental: ${source.describe()} is PostgreSQL ${source.major}, which cannot take incremental backups`,
      [
        {
          path: 'backup.incremental',
          problem: `PostgreSQL ${source.major} has no pg_basebackup --incremental (it arrived in ${INCREMENTAL_MIN_MAJOR})`,
          fix: upgrade,
        },
      ],
      { hint: upgrade },
    );
  }
  if (facts.tablespaces.length > 0) {
    throw new ScenarioError(
      `backup.incremental: the source has ${facts.tablespaces.length} tablespace(s), which an incremental chain does not support`,
      [
        {
          path: 'backup.incremental',
          problem: "pg_combinebackup would need each backup's tablespaces re-pointed",
          fix: 'remove backup.incremental for this source',
        },
      ],
      { hint: 'remove backup.incremental for this source' },
    );
  }
  if (!(await summarizesWal(source))) {
    throw new EnvironmentError(
      'summarize-wal-off',
      `${source.describe()} has summarize_wal off: PostgreSQL takes incremental backups only from WAL summaries`,
      {
        hint: 'ALTER SYSTEM SET summarize_wal = on; SELECT pg_reload_conf(); then take a full backup before the first incremental',
      },
    );
  }
  const stored = await repo.list();
  const parent = chooseParent(
    stored.map((b) => b.record),
    scenario,
    facts.systemIdentifier,
  );
  if (!parent) {
    log.info(
      `no earlier basebackup of this source (system ${facts.systemIdentifier}) in the repository: taking a full backup to start the incremental chain`,
    );
    return null;
  }
  const dir = stored.find((b) => b.record === parent)!.dir;
  const chain = chainAfter(parent);
  log.info(
    `taking an incremental backup on top of ${parent.id} (chain of ${chain.length + 1}: ${[...chain, 'this one'].join(' ← ')})`,
  );
  return { parent: { record: parent, dir }, manifest: join(dir, parent.physical.dataDir, 'backup_manifest'), chain };
}

/** The record's incremental details, from what the new backup_label says it was taken from. */
export function incrementalDetails(base: IncrementalBase, backupLabel: string): IncrementalDetails {
  const fromLsn = labelLsn(backupLabel, 'INCREMENTAL FROM LSN');
  if (!fromLsn)
    throw new EnvironmentError(
      'incremental-label',
      `pg_basebackup --incremental wrote a backup_label without INCREMENTAL FROM LSN`,
      { hint: 'check that pg_basebackup is PostgreSQL 17 or newer' },
    );
  return { parent: base.parent.record.id, chain: base.chain, fromLsn };
}

// summarize_wal is a PostgreSQL 17 setting: off, or unknown, means no incremental backup.
async function summarizesWal(source: Source): Promise<boolean> {
  const client = pgClient(source.clientConfig());
  await client.connect();
  try {
    const { rows } = await client.query<{ on: string | null }>("select current_setting('summarize_wal', true) as on");
    return rows[0]?.on === 'on';
  } finally {
    await client.end();
  }
}
