// Encryption at rest against real PostgreSQL: encrypted dump and basebackup drills pass with no plaintext in the
// repository; a flipped byte in a dump file or an archived WAL segment fails naming it; the wrong key is exit 3.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { listFiles } from '../../src/repository/manifest.ts';
import { decryptFile } from '../../src/repository/cipher/files.ts';
import { encryptBuffer } from '../../src/repository/cipher/stream-format.ts';
import { parseKey } from '../../src/repository/cipher/key.ts';
import { cipherName } from '../../src/repository/cipher/backup-files.ts';

// A customer's e-mail from fixtures/shop.sql (table data, gzipped in the dump) and a comment of its schema (plain in toc.dat).
const KNOWN_VALUES = ['Customer17@Example.COM', 'one row per order insert, status change or delete'];

let ws: Workspace;
let keyHex: string;
let backupId: string;
let passRun: { exitCode: number; stdout: string; stderr: string };

// The workspace's dump scenario, encrypted with the key in `keyFile`.
function encryptedScenario(
  extra: Parameters<typeof dumpScenario>[1] & { keyFile?: string | null; reports?: string } = {},
): string {
  const { keyFile, reports, ...rest } = extra;
  let yaml = dumpScenario(ws, { checks: '[rowcounts, fingerprints, schema, sequences]', ...rest });
  if (keyFile !== null)
    yaml = yaml.replace(
      /^repository: .*$/m,
      (line) => `${line}\nencryption: { key: { file: ${keyFile ?? join(ws.dir, 'keys', 'repo.key')} } }`,
    );
  return reports ? yaml.replace(`${ws.dir}/reports`, reports) : yaml;
}

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  keyHex = randomBytes(32).toString('hex');
  execFileSync('mkdir', ['-p', join(ws.dir, 'keys')]);
  await writeFile(join(ws.dir, 'keys', 'repo.key'), `${keyHex}\n`, { mode: 0o600 });
  // One drill takes the encrypted backup and restores it; the other tests reuse the backup (backup.use).
  passRun = await drill('pass', encryptedScenario({ transactions: 100, reports: join(ws.dir, 'reports-pass') }));
  backupId = (await readdir(join(ws.dir, 'repo', 'backups')))[0]!;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster or plaintext copy left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

// Every file under `dir` whose bytes, or gunzipped bytes, contain `needle`.
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const path of await listFiles(dir)) {
    const bytes = await readFile(join(dir, path));
    let inflated: Buffer | null = null;
    try {
      inflated = gunzipSync(bytes);
    } catch {
      // not gzip
    }
    if (bytes.includes(needle) || inflated?.includes(needle)) found.push(path);
  }
  return found;
}

// A copy of the repository for one fault, so faults never see each other.
async function cloneRepository(name: string): Promise<string> {
  const repository = join(ws.dir, `repo-${name}`);
  await cp(join(ws.dir, 'repo'), repository, { recursive: true });
  return repository;
}

async function drill(name: string, yaml: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const file = await ws.scenario(`${name}.yaml`, yaml);
  return cli(['drill', file], { cwd: ws.dir, env: ws.env });
}

test('an encrypted dump drill passes: every file authenticated, restored and compared; list still reads the backup', async () => {
  assert.equal(passRun.exitCode, 0, passRun.stdout + passRun.stderr);
  const result = await latestResult(join(ws.dir, 'reports-pass'), 'dump-drill');
  assert.equal(result.verdict, 'passed');
  assert.equal(checkIn(result, 'manifest').status, 'passed');
  const decrypt = checkIn(result, 'decrypt');
  assert.equal(decrypt.status, 'passed');
  assert.match(
    decrypt.message,
    new RegExp(`^decrypted \\d+ files \\(\\d+ bytes\\) of backup ${backupId} with key ${parseKey(keyHex, 'k').id}`),
  );
  assert.equal(checkIn(result, 'rowcount:shop.customers').status, 'passed');
  assert.equal(checkIn(result, 'fingerprint:shop.customers').status, 'passed');
  const record = JSON.parse(await readFile(join(ws.dir, 'repo', 'backups', backupId, 'backup.json'), 'utf8')) as {
    encryption?: { keyId: string };
  };
  assert.equal(record.encryption?.keyId, parseKey(keyHex, 'k').id);
  const list = await cli(['list', await ws.scenario('list.yaml', encryptedScenario({ use: 'latest' }))], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(list.stdout, new RegExp(backupId));
});

test('no plaintext table data or schema is found in the repository, though the decrypted files hold it', async () => {
  const repository = join(ws.dir, 'repo');
  for (const value of KNOWN_VALUES) {
    assert.deepEqual(await filesHolding(repository, value), [], `"${value}" in the repository`);
    assert.throws(
      () => execFileSync('grep', ['-r', '-l', '-F', value, repository]),
      (e: { status?: number }) => e.status === 1,
      `grep -r finds "${value}"`,
    );
  }
  // The probe can find them: in the same files decrypted with the key.
  const backup = join(repository, 'backups', backupId);
  const plain = await mkdtemp(join(ws.dir, 'plain-'));
  const key = parseKey(keyHex, 'k');
  for (const path of (await listFiles(backup)).filter((p) => p.startsWith('db.dump/'))) {
    await decryptFile(join(backup, path), join(plain, path.replace('/', '_')), key, cipherName(backupId, path));
  }
  for (const value of KNOWN_VALUES)
    assert.notDeepEqual(await filesHolding(plain, value), [], `"${value}" in the decrypted dump`);
});

test('a flipped byte in an encrypted dump data file, and a file under another key, fail the manifest and decrypt checks naming them; nothing is restored', async () => {
  const repository = await cloneRepository('flipped');
  const backup = join(repository, 'backups', backupId);
  const [victim, swapped] = (await readdir(join(backup, 'db.dump'))).filter((f) => f.endsWith('.dat.gz')).sort();
  const bytes = await readFile(join(backup, 'db.dump', victim!));
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x10;
  await writeFile(join(backup, 'db.dump', victim!), bytes);
  // Another file replaced by one encrypted under another key (as whoever holds that key could write it).
  const other = parseKey(randomBytes(32).toString('hex'), 'other');
  const swappedPath = join(backup, 'db.dump', swapped!);
  const plain = join(ws.dir, 'swapped.plain');
  await decryptFile(swappedPath, plain, parseKey(keyHex, 'k'), cipherName(backupId, `db.dump/${swapped!}`));
  await writeFile(
    swappedPath,
    await encryptBuffer(await readFile(plain), other, cipherName(backupId, `db.dump/${swapped!}`)),
  );
  const run = await drill(
    'flipped',
    encryptedScenario({ use: 'latest', repository, reports: join(ws.dir, 'reports-flipped') }),
  );
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  const result = await latestResult(join(ws.dir, 'reports-flipped'), 'dump-drill');
  assert.equal(result.verdict, 'failed');
  const name = `db.dump/${victim}`.replace(/\./g, '\\.');
  assert.match(checkIn(result, 'manifest').message, new RegExp(`${name} has SHA-256`));
  const decrypt = checkIn(result, 'decrypt');
  assert.equal(decrypt.status, 'failed');
  assert.match(
    decrypt.message,
    new RegExp(
      `2 encrypted file\\(s\\) do not authenticate, nothing was restored: ${name}: chunk 0 does not authenticate`,
    ),
  );
  assert.match(
    decrypt.message,
    new RegExp(
      `db\\.dump/${swapped!.replace(/\./g, '\\.')}: encrypted with key ${other.id}, not the backup's key ${parseKey(keyHex, 'k').id}`,
    ),
  );
  assert.deepEqual(result.restores, []);
});

test('the wrong key is exit 3 naming both key ids, before anything is decrypted', async () => {
  const other = randomBytes(32).toString('hex');
  await writeFile(join(ws.dir, 'keys', 'other.key'), other);
  const run = await drill(
    'wrong-key',
    encryptedScenario({
      use: 'latest',
      keyFile: join(ws.dir, 'keys', 'other.key'),
      reports: join(ws.dir, 'reports-wrong'),
    }),
  );
  assert.equal(run.exitCode, 3, run.stdout + run.stderr);
  const result = await latestResult(join(ws.dir, 'reports-wrong'), 'dump-drill');
  assert.equal(result.verdict, 'errored');
  assert.equal(result.error?.code, 'key-mismatch');
  assert.equal(
    result.error?.message,
    `backup ${backupId} was encrypted with key ${parseKey(keyHex, 'k').id}, the scenario's key is ${parseKey(other, 'k').id}`,
  );
});

test('keys that cannot be used are exit 2 naming the fix: none for an encrypted backup, a short key, a key inside the repository', async () => {
  const none = await drill('no-key', encryptedScenario({ use: 'latest', keyFile: null }));
  assert.equal(none.exitCode, 2, none.stdout + none.stderr);
  assert.match(
    none.stderr,
    new RegExp(`backup ${backupId} is encrypted \\(key [0-9a-f]{16}\\) and the scenario names no key`),
  );
  await writeFile(join(ws.dir, 'keys', 'short.key'), randomBytes(16).toString('hex'));
  const short = await drill(
    'short-key',
    encryptedScenario({ use: 'latest', keyFile: join(ws.dir, 'keys', 'short.key') }),
  );
  assert.equal(short.exitCode, 2);
  assert.match(short.stderr, /holds 16 bytes of hex, not 32/);
  assert.match(short.stderr, /openssl rand -hex 32/);
  await writeFile(join(ws.dir, 'repo', 'inside.key'), keyHex);
  const inside = await drill(
    'inside-key',
    encryptedScenario({ use: 'latest', keyFile: join(ws.dir, 'repo', 'inside.key') }),
  );
  assert.equal(inside.exitCode, 2);
  assert.match(inside.stderr, /is inside the repository/);
});

// A managed basebackup with a tablespace, archiving its WAL encrypted, replayed to latest.
function physicalScenario(repository: string, reports: string, use?: string): string {
  return `name: enc-pitr
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/tablespace.sql]
    tablespaces: [archive]
    workload: { seed: 3, transactions: 100 }
repository: ${repository}
encryption: { key: { file: ${join(ws.dir, 'keys', 'repo.key')} } }
backup: { method: basebackup${use ? `, use: ${use}` : ''} }
restore: { environment: local, targets: [latest] }
checks: [rowcounts, fingerprints]
report: { dir: ${reports}, formats: [json] }
`;
}

describe('an encrypted basebackup with its WAL', () => {
  const repository = (): string => join(ws.dir, 'repo-physical');
  let physicalId: string;
  let system: string;

  before(async () => {
    const run = await drill('physical', physicalScenario(repository(), join(ws.dir, 'reports-physical')));
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
    physicalId = (await readdir(join(repository(), 'backups')))[0]!;
    system = (await readdir(join(repository(), 'wal')))[0]!;
  });

  test('drills to latest: backup files and WAL authenticated, pg_verifybackup over the plaintext, markers and data exact', async () => {
    const result = await latestResult(join(ws.dir, 'reports-physical'), 'enc-pitr');
    assert.equal(result.verdict, 'passed');
    for (const id of [
      'manifest',
      'decrypt',
      'wal:decrypt',
      'pg_verifybackup',
      'wal:continuity',
      'recovery:target',
      'markers',
      'rowcount:shop.customers',
      'fingerprint:shop.customers',
    ]) {
      assert.equal(checkIn(result, id).status, 'passed', id);
    }
    assert.match(
      checkIn(result, 'wal:decrypt').message,
      /^decrypted \d+ WAL files from [0-9A-F]{24} on with key [0-9a-f]{16}/,
    );
    // Encrypted, the repository's manifest covers every file itself (pg_verifybackup sees only the plaintext copy).
    const manifest = JSON.parse(await readFile(join(repository(), 'backups', physicalId, 'manifest.json'), 'utf8')) as {
      delegated?: unknown;
      files: Array<{ path: string }>;
    };
    assert.equal(manifest.delegated, undefined);
    assert.ok(manifest.files.some((f) => f.path.startsWith('data/base/')));
    assert.ok(
      manifest.files.some((f) => f.path.startsWith('tablespaces/')),
      'the tablespace is in the backup, encrypted and covered',
    );
  });

  test('no plaintext table data in its files or its archived WAL', async () => {
    assert.deepEqual(await filesHolding(repository(), KNOWN_VALUES[0]!), []);
    assert.throws(
      () => execFileSync('grep', ['-r', '-l', '-F', KNOWN_VALUES[0]!, repository()]),
      (e: { status?: number }) => e.status === 1,
    );
  });

  test('a flipped byte in an archived WAL segment fails wal:decrypt naming the segment', async () => {
    const clone = join(ws.dir, 'repo-physical-flipped');
    await cp(repository(), clone, { recursive: true });
    const record = JSON.parse(await readFile(join(clone, 'backups', physicalId, 'backup.json'), 'utf8')) as {
      physical: { startSegment: string };
    };
    const segment = record.physical.startSegment;
    const path = join(clone, 'wal', system, segment);
    const bytes = await readFile(path);
    const at = Math.floor(bytes.length / 3);
    bytes[at] = bytes[at]! ^ 0x40;
    await writeFile(path, bytes);
    const run = await drill(
      'physical-flipped',
      physicalScenario(clone, join(ws.dir, 'reports-physical-flipped'), 'latest'),
    );
    assert.equal(run.exitCode, 1, run.stdout + run.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports-physical-flipped'), 'enc-pitr');
    assert.equal(result.verdict, 'failed');
    const check = checkIn(result, 'wal:decrypt');
    assert.equal(check.status, 'failed');
    assert.match(
      check.message,
      new RegExp(
        `^1 archived WAL file\\(s\\) do not authenticate and cannot be replayed: ${segment}: chunk \\d+ does not authenticate`,
      ),
    );
    // Left out of the decrypted copy, the segment is also missing to continuity.
    assert.equal(checkIn(result, 'wal:continuity').status, 'failed');
  });

  test('list reads the encrypted history with the key; prune needs none (records and names stay readable)', async () => {
    const file = await ws.scenario(
      'physical-list.yaml',
      physicalScenario(repository(), join(ws.dir, 'reports-physical'), 'latest'),
    );
    const list = await cli(['list', file], { cwd: ws.dir, env: ws.env });
    assert.equal(list.exitCode, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${physicalId}  basebackup`));
    assert.match(list.stdout, /: all present \(WAL continuous/);
    const keyless = await ws.scenario(
      'physical-prune.yaml',
      physicalScenario(repository(), join(ws.dir, 'reports-physical')).replace(/^encryption: .*\n/m, ''),
    );
    const prune = await cli(['prune', keyless, '--keep', '1'], { cwd: ws.dir, env: ws.env });
    assert.equal(prune.exitCode, 0, prune.stdout + prune.stderr);
    assert.deepEqual(await readdir(join(repository(), 'backups')), [physicalId]);
  });
});
