// The retention planner (pure): which backups a policy removes, and which WAL no kept backup can read any more.
import { isPhysical, type BackupRecord, type PhysicalBackupRecord } from './backup-record.ts';
import { isHistoryName, parseSegmentName } from './wal-names.ts';

/** What to keep: a backup stays if it is among the newest `keep` OR younger than `maxAgeMs`. */
export interface RetentionPolicy {
  keep?: number;
  maxAgeMs?: number;
  /** Also empty WAL archives that no kept physical backup reads (their `.history` files stay). */
  pruneOrphanWal: boolean;
}

/** One file of a WAL archive, as listed. */
export interface WalFile {
  name: string;
  size: number;
}

/** One WAL archive of the repository: `wal/<system>/`, or the flat `wal/` (system null). */
export interface ArchiveListing {
  system: string | null;
  files: WalFile[];
}

/** Everything the planner decides from. */
export interface RetentionInput {
  /** Every backup in the repository; only `scenario`'s are subject to the policy, the rest are kept. */
  backups: BackupRecord[];
  scenario: string;
  archives: ArchiveListing[];
  now: Date;
  policy: RetentionPolicy;
}

/** What removing a backup involves outside its directory. */
export type SnapshotRemoval =
  | { kind: 'none' }
  | { kind: 'command'; command: string; snapshotName: string }
  | { kind: 'btrfs'; subvolumes: string[] };

export interface PrunedBackup {
  record: BackupRecord;
  reason: string;
  snapshot: SnapshotRemoval;
}

export interface KeptBackup {
  record: BackupRecord;
  reason: string;
}

/** The decision for one WAL archive. */
export interface WalPlan {
  system: string | null;
  /** `cut`: files before the oldest kept start go; `orphan-*`: no kept physical backup reads this archive. */
  kind: 'cut' | 'orphan-kept' | 'orphan-emptied' | 'untouched';
  delete: WalFile[];
  keep: WalFile[];
  /** The oldest start segment of the archive's kept backups: nothing at or after it is removed. */
  cutSegment?: string;
  reason: string;
}

export interface RetentionPlan {
  scenario: string;
  delete: PrunedBackup[];
  keep: KeptBackup[];
  /** Backups of other scenarios in the repository: never pruned here, but their WAL is kept. */
  otherScenarios: BackupRecord[];
  wal: WalPlan[];
  /** Backups the policy would remove but cannot be removed safely (kept, and prune fails naming them). */
  problems: string[];
}

/** Decide which of `scenario`'s backups go and which WAL files no remaining backup needs. */
export function planRetention(input: RetentionInput): RetentionPlan {
  const ours = input.backups.filter((b) => b.scenario === input.scenario).sort(byId);
  const otherScenarios = input.backups.filter((b) => b.scenario !== input.scenario).sort(byId);
  const plan: RetentionPlan = { scenario: input.scenario, delete: [], keep: [], otherScenarios, wal: [], problems: [] };
  for (const [index, record] of ours.entries()) {
    const reason = keepReason(record, ours.length - 1 - index, input.now, input.policy);
    if (reason) {
      plan.keep.push({ record, reason });
      continue;
    }
    const removal = snapshotRemoval(record);
    if ('problem' in removal) {
      plan.problems.push(`backup ${record.id} is due for removal but ${removal.problem}`);
      plan.keep.push({ record, reason: `cannot be removed: ${removal.problem}` });
      continue;
    }
    plan.delete.push({ record, reason: deleteReason(input.policy), snapshot: removal });
  }
  keepChains(plan);
  const remaining = [...plan.keep.map((k) => k.record), ...otherScenarios];
  plan.wal = planWalPruning(
    remaining,
    plan.delete.map((d) => d.record),
    input.archives,
    input.policy.pruneOrphanWal,
  );
  return plan;
}

// An incremental backup restores only with its chain: whatever the policy says, a backup a kept one needs stays.
function keepChains(plan: RetentionPlan): void {
  const neededBy = new Map<string, string>();
  for (const record of [...plan.keep.map((k) => k.record), ...plan.otherScenarios]) {
    for (const id of record.physical?.incremental?.chain ?? []) if (!neededBy.has(id)) neededBy.set(id, record.id);
  }
  const stays = plan.delete.filter((d) => neededBy.has(d.record.id));
  if (stays.length === 0) return;
  plan.delete = plan.delete.filter((d) => !neededBy.has(d.record.id));
  for (const d of stays)
    plan.keep.push({
      record: d.record,
      reason: `${d.reason}, but kept: kept backup ${neededBy.get(d.record.id)} is incremental and restores only with it (a parent of a kept backup is never removed)`,
    });
  plan.keep.sort((a, b) => byId(a.record, b.record));
}

// Why a backup stays (`newerCount` backups of the scenario are newer than it), or null when the policy lets it go.
function keepReason(record: BackupRecord, newerCount: number, now: Date, policy: RetentionPolicy): string | null {
  if (newerCount === 0) return 'the newest backup is never removed';
  if (policy.keep !== undefined && newerCount < policy.keep) return `among the ${policy.keep} newest`;
  if (policy.keep === undefined && policy.maxAgeMs === undefined) return 'no retention policy given';
  if (policy.maxAgeMs !== undefined) {
    const taken = Date.parse(record.startedAt);
    if (Number.isNaN(taken)) return `its time taken "${record.startedAt}" is unreadable`;
    if (now.getTime() - taken < policy.maxAgeMs) return 'younger than the maximum age';
  }
  return null;
}

function deleteReason(policy: RetentionPolicy): string {
  const parts = [
    policy.keep !== undefined ? `not among the ${policy.keep} newest` : null,
    policy.maxAgeMs !== undefined ? 'older than the maximum age' : null,
  ];
  return parts.filter((p) => p !== null).join(' and ');
}

// What must happen to a snapshot's volumes, or why it cannot be done (then the backup stays).
function snapshotRemoval(record: BackupRecord): SnapshotRemoval | { problem: string } {
  const snapshot = record.snapshot;
  if (!snapshot || snapshot.driver === 'copy') return { kind: 'none' };
  if (snapshot.driver === 'command') {
    if (!snapshot.deleteCommand)
      return {
        problem: `its snapshot "${snapshot.name}" was taken by a command and the backup records no deleteCommand: delete the snapshot yourself, then remove the backup's directory`,
      };
    return { kind: 'command', command: snapshot.deleteCommand, snapshotName: snapshot.name };
  }
  const subvolumes = Object.values(snapshot.subvolumes ?? {});
  if (subvolumes.length === 0)
    return { problem: `its btrfs snapshot "${snapshot.name}" records no subvolumes to delete` };
  return { kind: 'btrfs', subvolumes };
}

/**
 * Per archive, the WAL files no `kept` backup reads: segments (and `.partial`, `.backup` files) before the oldest
 * kept start segment. `.history` files always stay; an archive no kept physical backup reads stays whole
 * unless `pruneOrphanWal`. `pruned` only explains orphans.
 */
export function planWalPruning(
  kept: readonly BackupRecord[],
  pruned: readonly BackupRecord[],
  archives: readonly ArchiveListing[],
  pruneOrphanWal: boolean,
): WalPlan[] {
  return archives.map((archive) => {
    const reads = (r: PhysicalBackupRecord): boolean =>
      archiveOf(r.physical.systemIdentifier, archives) === archive.system;
    const readers = kept.filter(isPhysical).filter(reads);
    if (readers.length > 0) return cutArchive(archive, readers);
    return orphanArchive(archive, pruned.filter(isPhysical).filter(reads), pruneOrphanWal);
  });
}

// The archive a system's WAL is in, as WalArchive.forSystem picks it: its own directory if it has one, else the flat one.
function archiveOf(system: string, archives: readonly ArchiveListing[]): string | null {
  return archives.some((a) => a.system === system) ? system : null;
}

// Remove what lies before the oldest start segment of the backups reading this archive.
function cutArchive(archive: ArchiveListing, readers: PhysicalBackupRecord[]): WalPlan {
  const sizes = new Set(readers.map((r) => r.physical.walSegmentSize));
  if (sizes.size > 1) {
    return untouched(
      archive,
      `kept backups reading ${archiveName(archive)} disagree on the WAL segment size (${[...sizes].join(', ')} bytes): nothing is removed`,
    );
  }
  const segSize = [...sizes][0]!;
  const starts = readers.map((r) => ({ record: r, segNo: segmentNumber(r.physical.startSegment, segSize) }));
  const unreadable = starts.find((s) => s.segNo === null);
  if (unreadable)
    return untouched(
      archive,
      `backup ${unreadable.record.id} has an unreadable start segment "${unreadable.record.physical.startSegment}": nothing is removed`,
    );
  const oldest = starts.reduce((a, b) => (b.segNo! < a.segNo! ? b : a));
  const keptStarts = new Set(readers.map((r) => r.physical.startSegment));
  const plan: WalPlan = {
    system: archive.system,
    kind: 'cut',
    delete: [],
    keep: [],
    cutSegment: oldest.record.physical.startSegment,
    reason: '',
  };
  for (const file of archive.files) {
    (isBeforeCut(file.name, oldest.segNo!, segSize, keptStarts) ? plan.delete : plan.keep).push(file);
  }
  plan.reason = `WAL before ${plan.cutSegment}, the start of backup ${oldest.record.id} (the oldest kept that reads ${archiveName(archive)}), is read by no kept backup`;
  return plan;
}

// A file goes only when its position in the WAL stream lies before the cut, whatever its timeline.
function isBeforeCut(name: string, cutSegNo: bigint, segSize: number, keptStarts: Set<string>): boolean {
  if (isHistoryName(name)) return false;
  const segment = name.slice(0, 24);
  if (name.endsWith('.backup') && keptStarts.has(segment)) return false;
  const segNo = segmentNumber(segment, segSize);
  return segNo !== null && segNo < cutSegNo;
}

// No kept physical backup reads this archive: keep it whole, or with the flag empty it of all but `.history` files.
function orphanArchive(archive: ArchiveListing, gone: PhysicalBackupRecord[], pruneOrphanWal: boolean): WalPlan {
  const why =
    gone.length > 0
      ? `no kept backup reads ${archiveName(archive)} (its ${gone.length} backup${gone.length === 1 ? ' is' : 's are'} pruned)`
      : `no physical backup in the repository reads ${archiveName(archive)}`;
  if (!pruneOrphanWal)
    return untouched(archive, `${why}: kept whole (pass --prune-orphan-wal to remove it)`, 'orphan-kept');
  const plan: WalPlan = {
    system: archive.system,
    kind: 'orphan-emptied',
    delete: [],
    keep: [],
    reason: `${why}: emptied by --prune-orphan-wal (.history files stay)`,
  };
  for (const file of archive.files) (isHistoryName(file.name) ? plan.keep : plan.delete).push(file);
  return plan;
}

function untouched(archive: ArchiveListing, reason: string, kind: WalPlan['kind'] = 'untouched'): WalPlan {
  return { system: archive.system, kind, delete: [], keep: [...archive.files], reason };
}

/** `wal/<system>` or `wal` (the flat archive). */
export function archiveName(archive: { system: string | null }): string {
  return archive.system === null ? 'wal/' : `wal/${archive.system}/`;
}

// Absolute segment number of a 24-hex-digit name, or null when it is not one for this segment size.
function segmentNumber(name: string, segSize: number): bigint | null {
  try {
    return parseSegmentName(name, segSize).segNo;
  } catch {
    return null;
  }
}

function byId(a: BackupRecord, b: BackupRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
