// `recoverable prune` on a repository built on disk: exactly the right backups, history and WAL go; nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupRecord } from '../../src/repository/backup-record.ts';
import { buildManifest, MANIFEST_FILE } from '../../src/repository/manifest.ts';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';

const SYSTEM = '7412345678901234567';
const SCENARIO = 'prune-drill';
// Oldest first; the snapshot's name would run a command if it were spliced into the shell text.
const IDS = [
  '20250101T000000Z-aaaaaa',
  '20250102T000000Z-bbbbbb',
  '20250103T000000Z-cccccc',
  '20250104T000000Z-dddddd',
] as const;
const SNAPSHOT_NAME = 'snap-1; touch pwned';

function seg(n: number): string {
  return `0000000100000000${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

// Timeline 2 left timeline 1 after everything archived on it: restoring to latest follows timeline 1 to its end.
const HISTORY = `1\t0/A000000\tno recovery target specified\n`.padEnd(1024, ' ');
const WAL = [
  '00000002.history',
  seg(1),
  seg(2),
  `${seg(2)}.00000028.backup`,
  seg(3),
  seg(4),
  seg(5),
  seg(6),
  `${seg(6)}.00000028.backup`,
  seg(7),
  seg(8),
  seg(9),
];

// A repository of three basebackups and one command-driver snapshot (second oldest) of one cluster, with its WAL;
// each backup holds its history under its manifest, except those of the older layout (history in history/<id>.json).
async function buildRepository(
  ws: Workspace,
  deleteCommand: string,
  legacy: readonly string[] = [],
): Promise<{ repo: string; scenario: string }> {
  const repo = join(ws.dir, 'repo');
  const starts = [2, 4, 6, 8];
  for (const [i, id] of IDS.entries()) {
    const dir = join(repo, 'backups', id);
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'PG_VERSION'), '15\n');
    const history = JSON.stringify({
      formatVersion: 1,
      backupId: id,
      systemIdentifier: SYSTEM,
      markers: [],
      end: { lastSegment: seg(9) },
    });
    const full = record(id, i === 1 ? 'snapshot' : 'basebackup', seg(starts[i]!), deleteCommand);
    if (legacy.includes(id)) {
      await mkdir(join(repo, 'history'), { recursive: true });
      await writeFile(join(repo, 'history', `${id}.json`), history);
      await writeFile(join(dir, 'backup.json'), JSON.stringify({ ...full, formatVersion: 1, historyFile: undefined }));
    } else {
      await writeFile(join(dir, 'history.json'), history);
      await writeFile(join(dir, 'backup.json'), JSON.stringify(full));
    }
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(await buildManifest(dir)));
  }
  await mkdir(join(repo, 'wal', SYSTEM), { recursive: true });
  for (const name of WAL)
    await writeFile(join(repo, 'wal', SYSTEM, name), name.endsWith('.history') ? HISTORY : Buffer.alloc(1024, 1));
  const scenario = await ws.scenario(
    'prune.yaml',
    `name: ${SCENARIO}\nsource:\n  managed: { version: 15 }\nrepository: ${repo}\nbackup:\n  method: basebackup\n`,
  );
  return { repo, scenario };
}

function record(
  id: string,
  method: 'basebackup' | 'snapshot',
  startSegment: string,
  deleteCommand: string,
): BackupRecord {
  const stamp = `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T00:00:00.000Z`;
  const common = {
    formatVersion: 2,
    id,
    scenario: SCENARIO,
    startedAt: stamp,
    finishedAt: stamp,
    durationMs: 1000,
    sizeBytes: 4096,
    source: { kind: 'managed' as const, major: 15, serverVersion: '15.8', database: 'app', systemIdentifier: SYSTEM },
    expectationsFile: null,
    historyFile: 'history.json',
  };
  const physical = {
    dataDir: 'data',
    label: id,
    startLsn: '0/0',
    stopLsn: '0/0',
    timeline: 1,
    startSegment,
    stopSegment: startSegment,
    walSegmentSize: 16 * 1024 * 1024,
    systemIdentifier: SYSTEM,
    dataChecksums: true,
    superuser: 'postgres',
    tablespaces: [],
    hazards: [],
    toolVersion: '15.8',
  };
  if (method === 'basebackup') return { ...common, method, physical };
  return {
    ...common,
    method,
    physical,
    snapshot: {
      name: SNAPSHOT_NAME,
      driver: 'command',
      pgdata: '/var/lib/postgresql/data',
      deleteCommand,
      labelFile: 'backup_label',
      labelSha256: 'x',
      spcmapFile: null,
      spcmapSha256: null,
      fromStandby: false,
    },
  };
}

async function backupsIn(repo: string): Promise<string[]> {
  return (await readdir(join(repo, 'backups'))).sort();
}

async function walIn(repo: string): Promise<string[]> {
  return (await readdir(join(repo, 'wal', SYSTEM))).sort();
}

test('prune --keep 2 removes the two oldest backups (history inside), the snapshot (by its deleteCommand) and the WAL before the oldest kept start', async () => {
  const ws = await workspace();
  try {
    const marker = join(ws.dir, 'deleted-snapshot');
    const { repo, scenario } = await buildRepository(ws, `printf '%s' "$RECOVERABLE_SNAPSHOT_NAME" > ${marker}`);
    const run = await cli(['prune', scenario, '--keep', '2'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    assert.deepEqual(await backupsIn(repo), [IDS[2], IDS[3]]);
    for (const id of [IDS[2], IDS[3]])
      assert.ok(existsSync(join(repo, 'backups', id, 'history.json')), `${id} keeps its history`);
    assert.equal(
      await readFile(marker, 'utf8'),
      SNAPSHOT_NAME,
      'the deleteCommand got the snapshot name in its environment',
    );
    assert.equal(existsSync(join(ws.dir, 'pwned')), false, 'the snapshot name was never spliced into the command');
    assert.deepEqual(
      await walIn(repo),
      ['00000002.history', seg(6), `${seg(6)}.00000028.backup`, seg(7), seg(8), seg(9)].sort(),
    );
    assert.match(run.stdout, new RegExp(`removed +${IDS[0]}  basebackup  4.0 KiB`));
    assert.match(run.stdout, new RegExp(`removed +${IDS[1]}  snapshot`));
    assert.match(
      run.stdout,
      /wal\/7412345678901234567\/: removed 6 files, 6\.0 KiB \(000000010000000000000001 … 000000010000000000000005\)/,
    );
    assert.match(run.stdout, /total: removed 2 backups \(8\.0 KiB\) and 6 WAL files \(6\.0 KiB\)/);
    assert.deepEqual(await ws.leftoverDirs(), [], 'prune started no server');

    const again = await cli(['prune', scenario, '--keep', '2'], { cwd: ws.dir, env: ws.env });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /total: removed 0 backups \(0 B\) and 0 WAL files \(0 B\)/);
  } finally {
    await ws.dispose();
  }
});

test('prune --dry-run says what it would remove and removes nothing', async () => {
  const ws = await workspace();
  try {
    const marker = join(ws.dir, 'deleted-snapshot');
    const { repo, scenario } = await buildRepository(ws, `touch ${marker}`);
    const run = await cli(['prune', scenario, '--keep', '2', '--dry-run'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(await backupsIn(repo), [...IDS]);
    for (const id of IDS) assert.ok(existsSync(join(repo, 'backups', id, 'history.json')));
    assert.deepEqual(await walIn(repo), [...WAL].sort());
    assert.equal(existsSync(marker), false, 'no deleteCommand ran');
    assert.match(run.stdout, new RegExp(`would remove +${IDS[0]}`));
    assert.match(run.stdout, /snapshot snap-1; touch pwned: deleteCommand `touch /);
    assert.match(run.stdout, /total: would remove 2 backups \(8\.0 KiB\) and 6 WAL files \(6\.0 KiB\)/);
    assert.match(run.stdout, /dry run: nothing was removed/);
  } finally {
    await ws.dispose();
  }
});

test('a failing deleteCommand keeps its backup and the WAL it reads, removes the rest, and exits 1 naming it', async () => {
  const ws = await workspace();
  try {
    const { repo, scenario } = await buildRepository(ws, 'echo "snapshot is busy" >&2; exit 3');
    const run = await cli(['prune', scenario, '--keep', '2'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 1, run.stdout);
    assert.match(
      run.stderr,
      new RegExp(`backup ${IDS[1]} was not removed: the snapshot deleteCommand exited with code 3: snapshot is busy`),
    );
    assert.deepEqual(await backupsIn(repo), [IDS[1], IDS[2], IDS[3]]);
    assert.ok(existsSync(join(repo, 'backups', IDS[1], 'history.json')));
    assert.deepEqual(
      await walIn(repo),
      ['00000002.history', seg(4), seg(5), seg(6), `${seg(6)}.00000028.backup`, seg(7), seg(8), seg(9)].sort(),
    );
    const listed = await cli(['list', scenario, '--json'], { cwd: ws.dir, env: ws.env });
    assert.deepEqual(
      (JSON.parse(listed.stdout) as BackupRecord[]).map((b) => b.id),
      [IDS[1], IDS[2], IDS[3]],
    );
  } finally {
    await ws.dispose();
  }
});

test('prune without --keep or --max-age exits 2 and removes nothing; a bad duration exits 2', async () => {
  const ws = await workspace();
  try {
    const { repo, scenario } = await buildRepository(ws, 'true');
    const none = await cli(['prune', scenario], { cwd: ws.dir, env: ws.env });
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /prune needs a retention policy: --keep <N>, --max-age <duration>, or both/);
    const bad = await cli(['prune', scenario, '--max-age', '7 weeks'], { cwd: ws.dir, env: ws.env });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /--max-age: "7 weeks" is not a duration/);
    assert.deepEqual(await backupsIn(repo), [...IDS]);
  } finally {
    await ws.dispose();
  }
});

test('list shows each physical backup WAL range, the archive end, and whether every segment is there', async () => {
  const ws = await workspace();
  try {
    const { repo, scenario } = await buildRepository(ws, 'true');
    await rm(join(repo, 'wal', SYSTEM, seg(3)));
    const listed = await cli(['list', scenario, '--json'], { cwd: ws.dir, env: ws.env });
    assert.equal(listed.exitCode, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<
      BackupRecord & {
        wal: { continuous: boolean; missing: string[]; archiveLastSegment: string; startSegment: string };
      }
    >;
    assert.deepEqual(
      rows.map((r) => [r.id, r.wal.startSegment, r.wal.continuous, r.wal.missing]),
      [
        [IDS[0], seg(2), false, [seg(3)]],
        [IDS[1], seg(4), true, []],
        [IDS[2], seg(6), true, []],
        [IDS[3], seg(8), true, []],
      ],
    );
    assert.equal(rows[0]!.wal.archiveLastSegment, seg(9));
    // The snapshot was taken by this scenario's name with another method: listed, but backup.use would refuse it.
    const restorable = (JSON.parse(listed.stdout) as Array<{ restorable: boolean; otherSource?: string[] }>).map(
      (r) => [r.restorable, r.otherSource],
    );
    assert.deepEqual(restorable, [
      [true, undefined],
      [false, ['a snapshot, not a basebackup']],
      [true, undefined],
      [true, undefined],
    ]);
    const human = await cli(['list', scenario], { cwd: ws.dir, env: ws.env });
    assert.match(
      human.stdout,
      new RegExp(
        `${IDS[1]}  snapshot .*\n  another source \\(backup\\.use never picks it\\): a snapshot, not a basebackup`,
      ),
    );
    assert.match(
      human.stdout,
      /WAL 000000010000000000000002 → 000000010000000000000002, archive .*wal\/7412345678901234567 ends at 000000010000000000000009: INCOMPLETE \(WAL gap: 000000010000000000000003 missing/,
    );
    assert.match(
      human.stdout,
      /WAL 000000010000000000000008 → 000000010000000000000008, .*: all present \(WAL continuous: 2 segments from 000000010000000000000008 to 000000010000000000000009 across timelines 1 → 2\)/,
    );
  } finally {
    await ws.dispose();
  }
});

test('prune finishes a removal a crash interrupted (the .deleting- directory and its history), and --max-age alone keeps young backups', async () => {
  const ws = await workspace();
  try {
    const { repo, scenario } = await buildRepository(ws, 'true');
    const crashed = '20241231T000000Z-ffffff';
    await mkdir(join(repo, 'backups', `.deleting-${crashed}`, 'data'), { recursive: true });
    // A backup of the older layout kept its history outside its directory.
    await mkdir(join(repo, 'history'), { recursive: true });
    await writeFile(join(repo, 'history', `${crashed}.json`), '{}');
    // Every backup is from 2025-01: a 100000-day maximum age keeps them all.
    const run = await cli(['prune', scenario, '--max-age', '100000d'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`finished removing backup ${crashed}`));
    assert.deepEqual(await backupsIn(repo), [...IDS]);
    assert.equal(existsSync(join(repo, 'history', `${crashed}.json`)), false);
    assert.deepEqual(
      await walIn(repo),
      WAL.filter((n) => n !== seg(1)).sort(),
      'only the segment before the oldest start goes',
    );
    assert.match(run.stdout, /total: removed 0 backups \(0 B\) and 1 WAL file \(1\.0 KiB\)/);
  } finally {
    await ws.dispose();
  }
});

test('a backup of the older layout is listed as such (never restorable), and prune removes it with its history/<id>.json', async () => {
  const ws = await workspace();
  try {
    const { repo, scenario } = await buildRepository(ws, 'true', [IDS[0]]);
    const listed = await cli(['list', scenario, '--json'], { cwd: ws.dir, env: ws.env });
    assert.equal(listed.exitCode, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<BackupRecord & { wal: { continuous: boolean; message: string } }>;
    assert.equal(rows[0]!.id, IDS[0]);
    assert.equal(rows[0]!.wal.continuous, false);
    assert.match(rows[0]!.wal.message, /older repository layout \(record format 1/);
    assert.equal(rows[1]!.wal.continuous, true, rows[1]!.wal.message);
    const run = await cli(['prune', scenario, '--keep', '3'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(await backupsIn(repo), [IDS[1], IDS[2], IDS[3]]);
    assert.equal(
      existsSync(join(repo, 'history', `${IDS[0]}.json`)),
      false,
      "the old layout's history went with its backup",
    );
  } finally {
    await ws.dispose();
  }
});
