// The retention planner: which backups a policy removes, and where each cluster's WAL is cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackupRecord, SnapshotDetails } from '../../../src/repository/backup-record.ts';
import { dumpDetails } from './incremental-records.ts';
import {
  planRetention,
  planWalPruning,
  type ArchiveListing,
  type RetentionInput,
  type RetentionPolicy,
} from '../../../src/repository/retention.ts';

const NOW = new Date('2025-03-20T12:00:00Z');
const DAY = 86_400_000;
const SYSTEM = '7400000000000000001';
const OTHER_SYSTEM = '7400000000000000002';
const SEG = 16 * 1024 * 1024;

// A backup taken `daysAgo` days before NOW: a dump, or (with `start`, a segment name) a basebackup or snapshot.
function backup(
  id: string,
  daysAgo: number,
  options: {
    method?: 'basebackup' | 'snapshot';
    start?: string;
    system?: string;
    scenario?: string;
    snapshot?: SnapshotDetails;
  } = {},
): BackupRecord {
  const startedAt = new Date(NOW.getTime() - daysAgo * DAY).toISOString();
  const common = {
    formatVersion: 2,
    id,
    scenario: options.scenario ?? 'shop',
    startedAt,
    finishedAt: startedAt,
    durationMs: 1000,
    sizeBytes: 1000,
    source: { kind: 'managed' as const, major: 15, serverVersion: '15.8', database: 'app' },
    expectationsFile: null,
    historyFile: null,
  };
  if (!options.start) return { ...common, method: 'dump', dump: DUMP };
  const physical = {
    dataDir: 'data',
    label: id,
    startLsn: '0/0',
    stopLsn: '0/0',
    timeline: parseInt(options.start.slice(0, 8), 16),
    startSegment: options.start,
    stopSegment: options.start,
    walSegmentSize: SEG,
    systemIdentifier: options.system ?? SYSTEM,
    dataChecksums: true,
    superuser: 'postgres',
    tablespaces: [],
    hazards: [],
    toolVersion: '15.8',
  };
  if (options.method !== 'snapshot') return { ...common, method: 'basebackup', physical };
  assert.ok(options.snapshot, 'a snapshot backup needs its snapshot details');
  return { ...common, method: 'snapshot', physical, snapshot: options.snapshot };
}

const DUMP = dumpDetails('15.8');

function seg(timeline: number, n: number): string {
  return (
    timeline.toString(16).toUpperCase().padStart(8, '0') + '00000000' + n.toString(16).toUpperCase().padStart(8, '0')
  );
}

function archive(system: string | null, names: string[]): ArchiveListing {
  return { system, files: names.map((name) => ({ name, size: SEG })) };
}

function plan(
  backups: BackupRecord[],
  policy: Partial<RetentionPolicy>,
  archives: ArchiveListing[] = [],
): ReturnType<typeof planRetention> {
  const input: RetentionInput = {
    backups,
    scenario: 'shop',
    archives,
    now: NOW,
    policy: { pruneOrphanWal: false, ...policy },
  };
  return planRetention(input);
}

const ids = (items: ReadonlyArray<{ record: BackupRecord }>): string[] => items.map((i) => i.record.id);
const names = (files: ReadonlyArray<{ name: string }>): string[] => files.map((f) => f.name);

test('--keep N keeps the N newest and removes the rest, oldest first', () => {
  const result = plan([backup('b4', 1), backup('b1', 10), backup('b3', 3), backup('b2', 5)], { keep: 2 });
  assert.deepEqual(ids(result.delete), ['b1', 'b2']);
  assert.deepEqual(ids(result.keep), ['b3', 'b4']);
  assert.equal(result.delete[0]!.reason, 'not among the 2 newest');
  assert.deepEqual(result.problems, []);
});

test('--max-age keeps every backup younger than it', () => {
  const result = plan([backup('b1', 10), backup('b2', 6.9), backup('b3', 7.1), backup('b4', 1)], { maxAgeMs: 7 * DAY });
  assert.deepEqual(ids(result.delete), ['b1', 'b3']);
  assert.deepEqual(ids(result.keep), ['b2', 'b4']);
});

test('with both, a backup stays if it is among the newest OR young enough', () => {
  const backups = [backup('b1', 30), backup('b2', 20), backup('b3', 2), backup('b4', 1), backup('b5', 0.5)];
  assert.deepEqual(ids(plan(backups, { keep: 1, maxAgeMs: 3 * DAY }).keep), ['b3', 'b4', 'b5']);
  assert.deepEqual(ids(plan(backups, { keep: 4, maxAgeMs: 3 * DAY }).keep), ['b2', 'b3', 'b4', 'b5']);
  assert.equal(
    plan(backups, { keep: 1, maxAgeMs: 3 * DAY }).delete[0]!.reason,
    'not among the 1 newest and older than the maximum age',
  );
});

test('the newest backup is never removed, however old', () => {
  const result = plan([backup('b1', 400), backup('b2', 300)], { maxAgeMs: DAY });
  assert.deepEqual(ids(result.keep), ['b2']);
  assert.equal(result.keep[0]!.reason, 'the newest backup is never removed');
  assert.deepEqual(ids(result.delete), ['b1']);
});

test("other scenarios' backups are neither counted nor removed, and their WAL stays", () => {
  const backups = [
    backup('a1', 9, { start: seg(1, 2), scenario: 'other' }),
    backup('b1', 8, { start: seg(1, 5) }),
    backup('b2', 7, { start: seg(1, 8) }),
  ];
  const result = plan(backups, { keep: 1 }, [archive(SYSTEM, [seg(1, 1), seg(1, 2), seg(1, 5), seg(1, 8)])]);
  assert.deepEqual(ids(result.delete), ['b1']);
  assert.deepEqual(
    result.otherScenarios.map((r) => r.id),
    ['a1'],
  );
  assert.deepEqual(names(result.wal[0]!.delete), [seg(1, 1)], 'the cut is at the other scenario backup start');
});

test('WAL is cut per system at the oldest kept start segment; .history files and kept .backup files stay', () => {
  const backups = [
    backup('b1', 9, { start: seg(1, 3) }),
    backup('b2', 8, { start: seg(1, 6) }),
    backup('b3', 7, { start: seg(2, 9) }),
  ];
  const files = [
    '00000002.history',
    seg(1, 1),
    seg(1, 2),
    `${seg(1, 3)}.00000028.backup`,
    seg(1, 3),
    seg(1, 4),
    seg(1, 5),
    `${seg(1, 6)}.00000028.backup`,
    seg(1, 6),
    seg(1, 7),
    `${seg(1, 8)}.partial`,
    seg(2, 8),
    seg(2, 9),
    seg(2, 10),
  ];
  const result = plan(backups, { keep: 2 }, [archive(SYSTEM, files)]);
  assert.deepEqual(ids(result.delete), ['b1']);
  const wal = result.wal[0]!;
  assert.equal(wal.kind, 'cut');
  assert.equal(wal.cutSegment, seg(1, 6));
  assert.deepEqual(names(wal.delete), [
    seg(1, 1),
    seg(1, 2),
    `${seg(1, 3)}.00000028.backup`,
    seg(1, 3),
    seg(1, 4),
    seg(1, 5),
  ]);
  assert.ok(names(wal.keep).includes('00000002.history'));
  assert.ok(names(wal.keep).includes(`${seg(1, 6)}.00000028.backup`));
  assert.match(wal.reason, /before 000000010000000000000006, the start of backup b2/);
});

test('the cut compares positions in the WAL stream, not names: a later timeline does not hide older segments', () => {
  // b2 is on timeline 2 at segment 5, b3 on timeline 1 at segment 9: the cut is at position 5 on every timeline.
  const backups = [
    backup('b1', 9, { start: seg(1, 2) }),
    backup('b2', 8, { start: seg(2, 5) }),
    backup('b3', 7, { start: seg(1, 9) }),
  ];
  const result = plan(backups, { keep: 2 }, [
    archive(SYSTEM, [seg(1, 2), seg(1, 4), seg(1, 5), seg(1, 9), seg(2, 4), seg(2, 5), seg(3, 3)]),
  ]);
  assert.equal(result.wal[0]!.cutSegment, seg(2, 5));
  assert.deepEqual(names(result.wal[0]!.delete), [seg(1, 2), seg(1, 4), seg(2, 4), seg(3, 3)]);
  assert.deepEqual(names(result.wal[0]!.keep), [seg(1, 5), seg(1, 9), seg(2, 5)]);
});

test('each system is cut at its own kept backups; the flat archive serves systems without a directory', () => {
  const backups = [
    backup('b1', 9, { start: seg(1, 2), system: OTHER_SYSTEM }),
    backup('b2', 8, { start: seg(1, 3) }),
    backup('b3', 7, { start: seg(1, 4), system: OTHER_SYSTEM }),
    backup('b4', 6, { start: seg(1, 7) }),
  ];
  const result = plan(backups, { keep: 2 }, [
    archive(null, [seg(1, 1), seg(1, 3), seg(1, 4)]),
    archive(SYSTEM, [seg(1, 1), seg(1, 3), seg(1, 7)]),
  ]);
  assert.deepEqual(ids(result.delete), ['b1', 'b2']);
  const [flat, own] = result.wal;
  assert.equal(flat!.cutSegment, seg(1, 4), 'OTHER_SYSTEM has no directory: its WAL is the flat archive');
  assert.deepEqual(names(flat!.delete), [seg(1, 1), seg(1, 3)]);
  assert.equal(own!.cutSegment, seg(1, 7));
  assert.deepEqual(names(own!.delete), [seg(1, 1), seg(1, 3)]);
});

test('an archive no kept backup reads is kept whole unless --prune-orphan-wal, which still keeps .history files', () => {
  const backups = [backup('b1', 9, { start: seg(1, 3), system: OTHER_SYSTEM }), backup('b2', 1, { start: seg(1, 6) })];
  const archives = [
    archive(OTHER_SYSTEM, ['00000002.history', seg(1, 3), seg(1, 4)]),
    archive(SYSTEM, [seg(1, 6)]),
    archive('7400000000000000003', [seg(1, 1)]),
  ];
  const kept = plan(backups, { keep: 1 }, archives);
  assert.deepEqual(ids(kept.delete), ['b1']);
  assert.equal(kept.wal[0]!.kind, 'orphan-kept');
  assert.deepEqual(kept.wal[0]!.delete, []);
  assert.match(
    kept.wal[0]!.reason,
    /no kept backup reads wal\/7400000000000000002\/ \(its 1 backup is pruned\): kept whole \(pass --prune-orphan-wal/,
  );
  assert.match(kept.wal[2]!.reason, /no physical backup in the repository reads wal\/7400000000000000003\//);
  const emptied = plan(backups, { keep: 1, pruneOrphanWal: true }, archives);
  assert.equal(emptied.wal[0]!.kind, 'orphan-emptied');
  assert.deepEqual(names(emptied.wal[0]!.delete), [seg(1, 3), seg(1, 4)]);
  assert.deepEqual(names(emptied.wal[0]!.keep), ['00000002.history']);
  assert.deepEqual(names(emptied.wal[2]!.delete), [seg(1, 1)]);
  assert.deepEqual(emptied.wal[1]!.delete, [], 'the kept backup start is never removed');
});

test('a repository of dumps only removes backups and no WAL; dumps keep no WAL alive', () => {
  const result = plan([backup('d1', 9), backup('d2', 8), backup('d3', 7)], { keep: 1 }, [archive(SYSTEM, [seg(1, 1)])]);
  assert.deepEqual(ids(result.delete), ['d1', 'd2']);
  assert.deepEqual(
    result.delete.map((d) => d.snapshot.kind),
    ['none', 'none'],
  );
  assert.equal(result.wal[0]!.kind, 'orphan-kept');
  assert.deepEqual(plan([backup('d1', 9), backup('d2', 8)], { keep: 1 }).wal, []);
});

test('snapshot backups: a command driver runs its deleteCommand, btrfs its subvolumes; without either the backup stays as a problem', () => {
  const snap = (driver: 'command' | 'btrfs' | 'copy', extra: object = {}): SnapshotDetails => ({
    name: `snap-${driver}`,
    driver,
    pgdata: '/pg',
    labelFile: 'backup_label',
    labelSha256: 'x',
    spcmapFile: null,
    spcmapSha256: null,
    fromStandby: false,
    ...extra,
  });
  const backups = [
    backup('s1', 9, {
      method: 'snapshot',
      start: seg(1, 1),
      snapshot: snap('command', { deleteCommand: 'zfs destroy "pool@$RECOVERABLE_SNAPSHOT_NAME"' }),
    }),
    backup('s2', 8, {
      method: 'snapshot',
      start: seg(1, 2),
      snapshot: snap('btrfs', { subvolumes: { data: '/snaps/s2-data', '16384': '/snaps/s2-ts' } }),
    }),
    backup('s3', 7, { method: 'snapshot', start: seg(1, 3), snapshot: snap('command') }),
    backup('s4', 6, { method: 'snapshot', start: seg(1, 4), snapshot: snap('copy') }),
    backup('s5', 5, { method: 'snapshot', start: seg(1, 5), snapshot: snap('copy') }),
  ];
  const result = plan(backups, { keep: 1 }, [archive(SYSTEM, [seg(1, 1), seg(1, 2), seg(1, 3), seg(1, 4), seg(1, 5)])]);
  assert.deepEqual(
    result.delete.map((d) => d.snapshot),
    [
      { kind: 'command', command: 'zfs destroy "pool@$RECOVERABLE_SNAPSHOT_NAME"', snapshotName: 'snap-command' },
      { kind: 'btrfs', subvolumes: ['/snaps/s2-ts', '/snaps/s2-data'] },
      { kind: 'none' },
    ],
  );
  assert.deepEqual(ids(result.keep), ['s3', 's5']);
  assert.match(result.problems[0]!, /^backup s3 is due for removal but .*no deleteCommand/);
  assert.deepEqual(names(result.wal[0]!.delete), [seg(1, 1), seg(1, 2)], 'the backup that stays keeps its WAL');
});

test('planWalPruning keeps a backup whose removal failed readable: its WAL is not cut', () => {
  const b1 = backup('b1', 9, { start: seg(1, 2) });
  const b2 = backup('b2', 1, { start: seg(1, 5) });
  const archives = [archive(SYSTEM, [seg(1, 1), seg(1, 2), seg(1, 3), seg(1, 5)])];
  assert.deepEqual(names(planWalPruning([b2], [b1], archives, false)[0]!.delete), [seg(1, 1), seg(1, 2), seg(1, 3)]);
  assert.deepEqual(names(planWalPruning([b1, b2], [], archives, false)[0]!.delete), [seg(1, 1)]);
});

test('an unreadable time taken keeps the backup; no policy keeps everything', () => {
  const odd = { ...backup('b1', 9), startedAt: 'yesterday' };
  assert.deepEqual(ids(plan([odd, backup('b2', 1)], { maxAgeMs: DAY }).keep), ['b1', 'b2']);
  assert.deepEqual(ids(plan([backup('b1', 9), backup('b2', 1)], {}).delete), []);
});
