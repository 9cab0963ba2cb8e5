// The encrypted stream format: round trips across chunk boundaries, and every alteration detected by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decryptBuffer,
  encryptBuffer,
  HEADER_BYTES,
  headerKeyId,
} from '../../../../src/repository/cipher/stream-format.ts';
import { decryptFile, encryptInPlace, fileKeyId } from '../../../../src/repository/cipher/files.ts';
import { parseKey, keyIdOf } from '../../../../src/repository/cipher/key.ts';
import { CiphertextDamagedError, KeyMismatchError } from '../../../../src/repository/cipher/errors.ts';
import { ExitCode, RecoverableError } from '../../../../src/core/errors.ts';
import { exitCodeOf } from '../../../../src/cli/exit-code.ts';

const key = parseKey(randomBytes(32).toString('hex'), 'test');
const other = parseKey(randomBytes(32).toString('hex'), 'test');
// 1 KiB chunks so boundaries are cheap to cross.
const SMALL = 10;
const CHUNK = 1024;
const SEALED = CHUNK + 16;

async function roundTrip(plain: Buffer): Promise<Buffer> {
  return decryptBuffer(await encryptBuffer(plain, key, 'dump/3001.dat.gz', SMALL), key, 'dump/3001.dat.gz');
}

test('round trip at and around chunk boundaries, and of an empty file', async () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
    const plain = randomBytes(size);
    assert.deepEqual(await roundTrip(plain), plain, `size ${size}`);
  }
});

test('the ciphertext hides the plaintext and differs on every encryption (fresh salt and nonce prefix)', async () => {
  const plain = Buffer.from('alice@example.com '.repeat(200));
  const a = await encryptBuffer(plain, key, 'x', SMALL);
  const b = await encryptBuffer(plain, key, 'x', SMALL);
  assert.ok(!a.includes(Buffer.from('alice@example.com')));
  assert.notDeepEqual(a, b);
  assert.equal(headerKeyId(a), key.id);
});

test('a multiple of the chunk size ends with an empty final chunk (so truncation at a boundary is seen)', async () => {
  const sealed = await encryptBuffer(randomBytes(2 * CHUNK), key, 'x', SMALL);
  assert.equal(sealed.length, HEADER_BYTES + 2 * SEALED + 16);
});

async function damaged(sealed: Buffer, name = 'x', label = 'dump/3001.dat.gz'): Promise<CiphertextDamagedError> {
  const error = await decryptBuffer(sealed, key, name, label).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof CiphertextDamagedError, `expected a damaged-ciphertext error, got ${String(error)}`);
  assert.equal(error.file, label);
  assert.equal(exitCodeOf(error.category), ExitCode.failed);
  assert.match(error.message, /^dump\/3001\.dat\.gz: /);
  return error;
}

function flipped(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

test('a flipped byte in the ciphertext, in a tag, or in the header (salt, nonce prefix, chunk size, magic) fails naming the file', async () => {
  const sealed = await encryptBuffer(randomBytes(3 * CHUNK + 5), key, 'x', SMALL);
  await damaged(flipped(sealed, HEADER_BYTES + 10)); // first chunk's ciphertext
  await damaged(flipped(sealed, HEADER_BYTES + SEALED + CHUNK + 3)); // second chunk's tag
  await damaged(flipped(sealed, sealed.length - 1)); // final chunk's tag
  await damaged(flipped(sealed, HEADER_BYTES - 1)); // nonce prefix
  await damaged(flipped(sealed, 20)); // salt
  await damaged(flipped(sealed, 9)); // chunk size
  await damaged(flipped(sealed, 0)); // magic
});

test('truncation (mid-chunk, at a chunk boundary, inside the header), appended bytes and reordered chunks are detected', async () => {
  const sealed = await encryptBuffer(randomBytes(3 * CHUNK + 5), key, 'x', SMALL);
  await damaged(sealed.subarray(0, sealed.length - 3));
  await damaged(sealed.subarray(0, HEADER_BYTES + 2 * SEALED));
  await damaged(sealed.subarray(0, HEADER_BYTES));
  await damaged(sealed.subarray(0, 5));
  await damaged(Buffer.concat([sealed, Buffer.from([0])]));
  const header = sealed.subarray(0, HEADER_BYTES);
  const c = (i: number): Buffer => sealed.subarray(HEADER_BYTES + i * SEALED, HEADER_BYTES + (i + 1) * SEALED);
  await damaged(Buffer.concat([header, c(1), c(0), c(2), sealed.subarray(HEADER_BYTES + 3 * SEALED)]));
  // Dropping the final chunk leaves full chunks only: "no final chunk".
  const cut = await damaged(sealed.subarray(0, HEADER_BYTES + 3 * SEALED));
  assert.match(cut.message, /truncated after chunk 2/);
});

test('a file decrypted under another name (renamed in the repository) does not authenticate', async () => {
  const sealed = await encryptBuffer(Buffer.from('segment'), key, '000000010000000000000003', SMALL);
  await damaged(sealed, '000000010000000000000004');
});

test('the wrong key is refused from the header before anything is decrypted: exit 3 naming both key ids', async () => {
  const sealed = await encryptBuffer(Buffer.from('data'), key, 'x', SMALL);
  await assert.rejects(decryptBuffer(sealed, other, 'x', 'dump/toc.dat'), (error: unknown) => {
    assert.ok(error instanceof KeyMismatchError);
    assert.equal(exitCodeOf(error.category), ExitCode.environment);
    assert.equal(error.message, `dump/toc.dat was encrypted with key ${key.id}, the scenario's key is ${other.id}`);
    return true;
  });
});

test('key ids are stable per key and distinct between keys; keys must be 64 hex digits', () => {
  assert.equal(keyIdOf(key.bytes), key.id);
  assert.notEqual(key.id, other.id);
  assert.match(key.id, /^[0-9a-f]{16}$/);
  assert.equal(parseKey(`  ${key.bytes.toString('hex').toUpperCase()}\n`, 'f').id, key.id);
  for (const bad of [
    '',
    'abc',
    randomBytes(16).toString('hex'),
    randomBytes(33).toString('hex'),
    randomBytes(32).toString('base64'),
  ]) {
    assert.throws(
      () => parseKey(bad, 'key.hex'),
      (error: unknown) => {
        assert.ok(error instanceof RecoverableError, String(error));
        assert.equal(exitCodeOf(error.category), ExitCode.usage);
        assert.match(error.message, /^the encryption key in key\.hex /);
        return true;
      },
    );
  }
});

test('files: encrypt in place, read the header key id, decrypt to a new file; a damaged file leaves no plaintext', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-cipher-test-'));
  try {
    const path = join(dir, 'toc.dat');
    const plain = randomBytes(3 * (1 << 20) + 11);
    await writeFile(path, plain);
    await encryptInPlace(path, key, 'dump/toc.dat');
    assert.equal(await fileKeyId(path), key.id);
    await decryptFile(path, join(dir, 'plain'), key, 'dump/toc.dat');
    assert.deepEqual(await readFile(join(dir, 'plain')), plain);
    const sealed = await readFile(path);
    await writeFile(path, flipped(sealed, sealed.length - 100));
    await assert.rejects(decryptFile(path, join(dir, 'plain2'), key, 'dump/toc.dat'), CiphertextDamagedError);
    await assert.rejects(readFile(join(dir, 'plain2')), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
