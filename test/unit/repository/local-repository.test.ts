// A shared repository: backup.use picks only the scenario's own backups, and evidence is trusted only as the manifest says.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BackupUnusableError, ExitCode, ScenarioError } from '../../../src/core/errors.ts';
import { LocalRepository, type RecordDraft, type StoredBackup } from '../../../src/repository/local-repository.ts';
import { readHistory, writeHistory, type SourceHistory } from '../../../src/repository/history.ts';
import type { SourceIdentity } from '../../../src/repository/source-identity.ts';
import type { BackupRecord } from '../../../src/repository/backup-record.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-repository-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

const SHOP: SourceIdentity = { scenario: 'shop', method: 'basebackup', kind: 'managed', database: 'app' };
const SYSTEM = '7400000000000000001';

function draft(id: string, scenario: string, source: Partial<BackupRecord['source']> = {}): RecordDraft {
  return {
    id,
    method: 'basebackup',
    scenario,
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:00:01Z',
    durationMs: 1000,
    source: { kind: 'managed', major: 15, serverVersion: '15.8', database: 'app', systemIdentifier: SYSTEM, ...source },
    physical: {
      dataDir: 'data',
      label: id,
      startLsn: '0/2000028',
      stopLsn: '0/2000100',
      timeline: 1,
      startSegment: '000000010000000000000002',
      stopSegment: '000000010000000000000002',
      walSegmentSize: 16 * 1024 * 1024,
      systemIdentifier: SYSTEM,
      dataChecksums: true,
      superuser: 'postgres',
      tablespaces: [],
      hazards: [],
      toolVersion: '15.8',
    },
    expectationsFile: null,
  };
}

const HISTORY = (backupId: string): SourceHistory => ({
  formatVersion: 1,
  backupId,
  systemIdentifier: SYSTEM,
  markers: [],
  end: {
    expectations: { database: 'app' } as SourceHistory['end']['expectations'],
    lastCommitTime: '2025-01-01 00:00:02.000001+00',
    lsn: '0/3000000',
    lastSegment: '000000010000000000000003',
  },
});

// Commit a backup the way the backup steps do: stage, write its files (the history before the commit), commit.
async function store(repo: LocalRepository, record: RecordDraft, history = true): Promise<StoredBackup> {
  return repo.writeBackup(record.id, async (staged) => {
    await writeFile(join(staged.dir, 'PG_VERSION'), '15\n');
    const historyFile = history ? await writeHistory(staged.dir, HISTORY(record.id)) : null;
    return repo.commit(staged, { ...record, historyFile });
  });
}

async function sharedRepository(): Promise<{
  repo: LocalRepository;
  own: StoredBackup[];
  other: StoredBackup;
  url: StoredBackup;
}> {
  const repo = new LocalRepository(join(root, String(count++)));
  const own = [
    await store(repo, draft('20250101T000000Z-aaaaaa', 'shop')),
    await store(repo, draft('20250102T000000Z-bbbbbb', 'shop')),
  ];
  const other = await store(repo, draft('20250103T000000Z-cccccc', 'billing'));
  const url = await store(
    repo,
    draft('20250104T000000Z-dddddd', 'shop', { kind: 'url', server: 'db.example.com:5432' }),
    false,
  );
  return { repo, own, other, url };
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof Error, 'expected a refusal');
  return error;
}

test("latest and random choose only among the scenario's own backups, never a newer one of another scenario or source", async () => {
  const { repo, own } = await sharedRepository();
  assert.equal((await repo.resolve('latest', SHOP)).record.id, own[1]!.record.id);
  const picked = new Set<string>();
  for (let i = 0; i < 20; i++) picked.add((await repo.resolve('random', SHOP)).record.id);
  assert.ok(
    [...picked].every((id) => own.some((b) => b.record.id === id)),
    `random picked ${[...picked].join(', ')}`,
  );
  const billing = await repo.resolve('latest', { ...SHOP, scenario: 'billing' });
  assert.equal(billing.record.scenario, 'billing');
  const none = await refusal(repo.resolve('latest', { ...SHOP, method: 'snapshot' }));
  assert.ok(none instanceof ScenarioError);
  assert.match(
    none.message,
    /holds no backups of scenario "shop" \(managed source, database app, snapshot\); it holds 4 backups of other scenarios or sources, which this one never restores/,
  );
});

test("an explicit id of another source's backup is refused with exit 2, naming both sources", async () => {
  const { repo, own, other, url } = await sharedRepository();
  assert.equal((await repo.resolve(own[0]!.record.id, SHOP)).record.id, own[0]!.record.id);
  const error = await refusal(repo.resolve(other.record.id, SHOP));
  assert.ok(error instanceof ScenarioError);
  assert.equal(exitCodeOf(error.category), ExitCode.usage);
  assert.match(
    error.message,
    new RegExp(
      `backup ${other.record.id} is another source's: it was taken of scenario "billing" \\(managed source, database app, basebackup\\), this scenario is scenario "shop" \\(managed source, database app, basebackup\\)`,
    ),
  );
  assert.equal(error.issues[0]?.path, 'backup.use');
  const urlError = await refusal(repo.resolve(url.record.id, SHOP));
  assert.match(urlError.message, /server db\.example\.com:5432, database app.*a url source, not a managed one/);
  // A url source is its server and database: the same scenario name against another server is another source.
  const elsewhere: SourceIdentity = { ...SHOP, kind: 'url', server: 'db2.example.com:5432' };
  assert.match(
    (await refusal(repo.resolve(url.record.id, elsewhere))).message,
    /server db\.example\.com:5432, not db2\.example\.com:5432/,
  );
  assert.equal(
    (await repo.resolve('latest', { ...elsewhere, server: 'db.example.com:5432' })).record.id,
    url.record.id,
  );
  assert.match(
    (await refusal(repo.resolve('20990101T000000Z-zzzzzz', SHOP))).message,
    /no backup "20990101T000000Z-zzzzzz"/,
  );
});

test("the history is read only as the manifest covers it: missing, altered or another backup's fails naming the file", async () => {
  const { repo, own, url } = await sharedRepository();
  const backup = own[1]!;
  assert.equal((await readHistory(repo, backup))?.backupId, backup.record.id);
  assert.equal(await readHistory(repo, url), null, 'the record says none was kept');
  const file = join(backup.dir, 'history.json');
  const original = await readFile(file, 'utf8');
  await writeFile(file, original.replace('00:00:02.000001', '00:00:09.000001'));
  const altered = await refusal(readHistory(repo, backup));
  assert.ok(altered instanceof BackupUnusableError);
  assert.match(
    altered.message,
    /its history file history\.json was altered after the backup completed \(SHA-256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\)/,
  );
  await rm(file);
  assert.match(
    (await refusal(readHistory(repo, backup))).message,
    new RegExp(`backup ${backup.record.id} lost its history file history\\.json`),
  );
  // Another backup's history, with a manifest rewritten to cover it, is still not this backup's.
  await writeFile(file, `${JSON.stringify(HISTORY(own[0]!.record.id))}\n`);
  const manifest = JSON.parse(await readFile(join(backup.dir, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; size: number; sha256: string }>;
  };
  const bytes = await readFile(file);
  const entry = manifest.files.find((f) => f.path === 'history.json')!;
  Object.assign(entry, { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  await writeFile(join(backup.dir, 'manifest.json'), JSON.stringify(manifest));
  assert.match(
    (await refusal(readHistory(repo, backup))).message,
    new RegExp(`is that of backup ${own[0]!.record.id}`),
  );
  manifest.files = manifest.files.filter((f) => f.path !== 'history.json');
  await writeFile(join(backup.dir, 'manifest.json'), JSON.stringify(manifest));
  assert.match(
    (await refusal(readHistory(repo, backup))).message,
    /its history file history\.json is not covered by its manifest/,
  );
});

test('a backup of the older layout (history outside it) is refused when picked, with a way out', async () => {
  const repo = new LocalRepository(join(root, String(count++)));
  const old = await store(repo, draft('20250101T000000Z-aaaaaa', 'shop'), false);
  const record = join(old.dir, 'backup.json');
  const text = (await readFile(record, 'utf8'))
    .replace('"formatVersion": 2', '"formatVersion": 1')
    .replace(/\n\s*"historyFile": null,?/, '');
  await writeFile(record, text);
  const error = await refusal(repo.resolve('latest', SHOP));
  assert.ok(error instanceof BackupUnusableError);
  assert.match(error.message, /was written in an older repository layout \(record format 1, this version reads 2\)/);
  assert.match((error as BackupUnusableError).hint ?? '', /recoverable prune/);
  assert.equal((await repo.list()).length, 1, 'still listed, so prune can remove it');
});

test('a stored record that says basebackup without its physical details is named as corrupt, not listed as one', async () => {
  const repo = new LocalRepository(join(root, String(count++)));
  const backup = await store(repo, draft('20250101T000000Z-aaaaaa', 'shop'));
  const file = join(backup.dir, 'backup.json');
  const { physical: _dropped, ...stripped } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify(stripped));
  // One read at a time: a rejection nobody awaits yet would fail the test run, not this assertion.
  for (const read of [
    () => repo.list(),
    () => repo.resolve('latest', SHOP),
    () => repo.resolve(backup.record.id, SHOP),
  ]) {
    const error = await refusal(read());
    assert.ok(error instanceof BackupUnusableError, String(error));
    assert.equal(
      error.message,
      `the backup record ${file} is corrupt: it says method basebackup but lacks its "physical" details`,
    );
  }
});

test("a committed backup's size is every byte it held at the commit, nested files and PostgreSQL's delegated ones included", async () => {
  const repo = new LocalRepository(join(root, String(count++)));
  const id = '20250101T000000Z-aaaaaa';
  const backup = await repo.writeBackup(id, async (staged) => {
    await mkdir(join(staged.dir, 'data', 'base', '1'), { recursive: true });
    await mkdir(join(staged.dir, 'data', 'pg_wal'), { recursive: true });
    await writeFile(join(staged.dir, 'data', 'base', '1', '1259'), Buffer.alloc(8192 * 3));
    await writeFile(join(staged.dir, 'data', 'pg_wal', '000000010000000000000002'), Buffer.alloc(4096));
    await writeFile(join(staged.dir, 'data', 'backup_manifest'), '{}\n');
    await writeFile(join(staged.dir, 'data', 'PG_VERSION'), '15\n');
    return repo.commit(staged, draft(id, 'shop'));
  });
  assert.equal(backup.record.sizeBytes, 8192 * 3 + 4096 + 3 + 3);
  // The record says what the stored files hold (backup.json and manifest.json came after the count).
  const stored = JSON.parse(await readFile(join(backup.dir, 'backup.json'), 'utf8')) as BackupRecord;
  assert.equal(stored.sizeBytes, 8192 * 3 + 4096 + 3 + 3);
});
