// An encrypted repository: files encrypted at commit under the manifest, evidence read back with the key only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupUnusableError, ExitCode, ScenarioError } from '../../../src/core/errors.ts';
import { LocalRepository, type StoredBackup } from '../../../src/repository/local-repository.ts';
import { readHistory, writeHistory, type SourceHistory } from '../../../src/repository/history.ts';
import { verifyManifest } from '../../../src/repository/manifest.ts';
import { parseKey } from '../../../src/repository/cipher/key.ts';
import { fileKeyId } from '../../../src/repository/cipher/files.ts';
import { KeyMismatchError } from '../../../src/repository/cipher/errors.ts';
import { neededWal } from '../../../src/restore/plaintext-wal.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-encrypted-repository-'));
after(() => rm(root, { recursive: true, force: true }));
const key = parseKey(randomBytes(32).toString('hex'), 'test');
const SYSTEM = '7400000000000000001';
const ID = '20250101T000000Z-aaaaaa';

async function store(repo: LocalRepository): Promise<StoredBackup> {
  return repo.writeBackup(ID, async (staged) => {
    await mkdir(join(staged.dir, 'data', 'pg_wal'), { recursive: true });
    await writeFile(join(staged.dir, 'data', 'PG_VERSION'), '15\n');
    await writeFile(join(staged.dir, 'data', 'backup_manifest'), '{}');
    await writeFile(
      join(staged.dir, 'data', 'pg_wal', '000000010000000000000002'),
      'secret row Customer17@Example.COM',
    );
    const history: SourceHistory = {
      formatVersion: 1,
      backupId: ID,
      systemIdentifier: SYSTEM,
      markers: [],
      end: {
        expectations: { database: 'app' } as SourceHistory['end']['expectations'],
        lastCommitTime: '2025-01-01 00:00:02+00',
        lsn: '0/3000000',
        lastSegment: '000000010000000000000003',
      },
    };
    return repo.commit(staged, {
      id: ID,
      method: 'basebackup',
      scenario: 'shop',
      startedAt: '2025-01-01T00:00:00Z',
      finishedAt: '2025-01-01T00:00:01Z',
      durationMs: 1000,
      source: { kind: 'managed', major: 15, serverVersion: '15.8', database: 'app', systemIdentifier: SYSTEM },
      physical: {
        dataDir: 'data',
        label: ID,
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
      historyFile: await writeHistory(staged.dir, history),
    });
  });
}

test('commit encrypts every file but backup.json and manifest.json, and the manifest covers the ciphertext of all of them', async () => {
  const repo = new LocalRepository(join(root, 'a'), { key });
  const backup = await store(repo);
  const { durationMs, ...encryption } = backup.record.encryption!;
  assert.deepEqual(encryption, { cipher: 'aes-256-gcm-chunked', formatVersion: 1, keyId: key.id });
  assert.equal(backup.record.durationMs, 1000 + durationMs, 'the backup took as long as its encryption too');
  for (const path of [
    'data/PG_VERSION',
    'data/backup_manifest',
    'data/pg_wal/000000010000000000000002',
    'history.json',
  ])
    assert.equal(await fileKeyId(join(backup.dir, path)), key.id, path);
  for (const path of ['backup.json', 'manifest.json'])
    assert.equal(await fileKeyId(join(backup.dir, path)), null, path);
  const manifest = await repo.readManifest(backup);
  assert.equal(
    manifest.delegated,
    undefined,
    'no delegation to backup_manifest: pg_verifybackup cannot read ciphertext',
  );
  assert.deepEqual(
    manifest.files.map((f) => f.path),
    ['backup.json', 'data/PG_VERSION', 'data/backup_manifest', 'data/pg_wal/000000010000000000000002', 'history.json'],
  );
  assert.deepEqual(await verifyManifest(backup.dir, manifest), []);
  assert.ok(
    !(await readFile(join(backup.dir, 'data/pg_wal/000000010000000000000002'))).includes(Buffer.from('Customer17')),
  );
});

test('evidence reads back with the key; with none it is exit 2, with another exit 3, damaged it makes the backup unusable', async () => {
  const repo = new LocalRepository(join(root, 'b'), { key });
  const backup = await store(repo);
  assert.equal((await readHistory(repo, backup))?.backupId, ID);
  const none = await readHistory(new LocalRepository(repo.root), backup).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(none instanceof ScenarioError);
  assert.equal(exitCodeOf(none.category), ExitCode.usage);
  const other = parseKey(randomBytes(32).toString('hex'), 'other');
  const wrong = await readHistory(new LocalRepository(repo.root, { key: other }), backup).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(wrong instanceof KeyMismatchError);
  assert.equal(wrong.message, `backup ${ID} was encrypted with key ${key.id}, the scenario's key is ${other.id}`);
  // Re-encrypted under the right key but another name, and the manifest forged to match: the name binding still refuses it.
  const { encryptBuffer } = await import('../../../src/repository/cipher/stream-format.ts');
  const { createHash } = await import('node:crypto');
  const forged = await encryptBuffer(await readFile(join(backup.dir, 'history.json')), key, `${ID}/elsewhere.json`);
  await writeFile(join(backup.dir, 'history.json'), forged);
  const manifest = await repo.readManifest(backup);
  const entry = manifest.files.find((f) => f.path === 'history.json')!;
  entry.size = forged.length;
  entry.sha256 = createHash('sha256').update(forged).digest('hex');
  await writeFile(join(backup.dir, 'manifest.json'), JSON.stringify(manifest));
  const damaged = await readHistory(repo, backup).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(damaged instanceof BackupUnusableError, String(damaged));
  assert.match(
    damaged.message,
    /^backup 20250101T000000Z-aaaaaa: its history file history\.json: chunk 0 does not authenticate/,
  );
});

test('a repository without a key writes backups as before (no encryption field, delegation kept)', async () => {
  const repo = new LocalRepository(join(root, 'c'));
  const backup = await store(repo);
  assert.equal(backup.record.encryption, undefined);
  assert.equal(await fileKeyId(join(backup.dir, 'data/PG_VERSION')), null);
  assert.equal((await repo.readManifest(backup)).delegated?.length, 1);
});

test('the WAL a restore needs: every timeline history, and every file from the start segment on, whatever its timeline', () => {
  const names = [
    '00000001000000000000000A',
    '00000001000000000000000B',
    '00000001000000000000000B.00000028.backup',
    '00000002.history',
    '00000002000000000000000C',
    '00000002000000000000000C.partial',
    '000000010000000000000009',
  ];
  assert.deepEqual(neededWal(names, '00000001000000000000000B'), [
    '00000001000000000000000B',
    '00000001000000000000000B.00000028.backup',
    '00000002.history',
    '00000002000000000000000C',
    '00000002000000000000000C.partial',
  ]);
});
