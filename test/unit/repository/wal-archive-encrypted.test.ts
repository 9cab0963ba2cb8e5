// The WAL archive with a key: stored encrypted, fetched decrypted, retries agree on plaintext, conflicts still refused.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalArchive, WalConflictError } from '../../../src/repository/wal-archive.ts';
import { parseKey } from '../../../src/repository/cipher/key.ts';
import { fileKeyId } from '../../../src/repository/cipher/files.ts';
import { CiphertextDamagedError } from '../../../src/repository/cipher/errors.ts';
import { RecoverableError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const SEGMENT = '000000010000000000000003';
const key = parseKey(randomBytes(32).toString('hex'), 'test');
const scratch = await mkdtemp(join(tmpdir(), 'recoverable-wal-encrypted-test-'));
after(() => rm(scratch, { recursive: true, force: true }));
let count = 0;

async function fixture(content: Buffer): Promise<{ archive: WalArchive; source: string; dir: string }> {
  const dir = join(scratch, String(count++));
  const archive = new WalArchive(join(dir, 'repo'), '7000000000000000001', { key });
  const source = join(scratch, `source-${count}`);
  await writeFile(source, content);
  return { archive, source, dir };
}

test('a segment is stored encrypted under its own name and fetched back as the same bytes', async () => {
  const content = Buffer.concat([Buffer.from('known WAL payload '), randomBytes(3 << 20)]);
  const { archive, source, dir } = await fixture(content);
  assert.equal(await archive.archive(source, SEGMENT), 'stored');
  const stored = await readFile(archive.pathOf(SEGMENT));
  assert.equal(await fileKeyId(archive.pathOf(SEGMENT)), key.id);
  assert.ok(!stored.includes(Buffer.from('known WAL payload')));
  assert.equal(await archive.fetch(SEGMENT, join(dir, 'fetched')), true);
  assert.deepEqual(await readFile(join(dir, 'fetched')), content);
  assert.equal(await archive.fetch('000000010000000000000009', join(dir, 'absent')), false);
  // Without the key, ciphertext is never handed out as WAL.
  const keyless = new WalArchive(archive.root, '7000000000000000001');
  await assert.rejects(
    keyless.fetch(SEGMENT, join(dir, 'keyless')),
    (e: unknown) =>
      e instanceof RecoverableError &&
      exitCodeOf(e.category) === 2 &&
      e.message === `${SEGMENT} is encrypted (key ${key.id}) and no key was given`,
  );
  await assert.rejects(readFile(join(dir, 'keyless')), { code: 'ENOENT' });
});

test('archiving the same segment again is a retry (plaintexts equal), different content a conflict', async () => {
  const content = randomBytes(1 << 16);
  const { archive, source } = await fixture(content);
  await archive.archive(source, SEGMENT);
  assert.equal(await archive.archive(source, SEGMENT), 'already-present');
  await writeFile(source, randomBytes(1 << 16));
  await assert.rejects(archive.archive(source, SEGMENT), WalConflictError);
});

test('a history file reads back decrypted; a flipped byte or a file renamed to another WAL name does not authenticate', async () => {
  const { archive, source, dir } = await fixture(Buffer.from('1\t0/3000000\tno recovery target specified\n'));
  await archive.archive(source, '00000002.history');
  assert.equal((await archive.read('00000002.history'))!.toString(), '1\t0/3000000\tno recovery target specified\n');
  await archive.archive(source, SEGMENT);
  const bytes = await readFile(archive.pathOf(SEGMENT));
  await writeFile(archive.pathOf('000000010000000000000004'), bytes);
  await assert.rejects(
    archive.fetch('000000010000000000000004', join(dir, 'renamed')),
    (e: unknown) =>
      e instanceof CiphertextDamagedError && /000000010000000000000004: chunk 0 does not authenticate/.test(e.message),
  );
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1;
  await writeFile(archive.pathOf(SEGMENT), bytes);
  await assert.rejects(archive.fetch(SEGMENT, join(dir, 'flipped')), CiphertextDamagedError);
});
