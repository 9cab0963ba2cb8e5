// The encrypted file format: a header, then chunks of AES-256-GCM, each authenticated before it is released.
//
//   header  = magic "RCVRCRYP" | version u8 (1) | log2(chunk size) u8 | key id (8 bytes) | salt (16) | nonce prefix (8)
//   chunk i = AES-256-GCM(file key, nonce = prefix | u32be(i), aad = header | u32be(i) | final u8) ciphertext | tag (16)
//   file key = HKDF-SHA-256(master key, salt, "recoverable file v1" | 0 | name)
//
// Every chunk but the last holds exactly `chunk size` bytes of plaintext; the last holds fewer (possibly none) and
// alone carries final = 1, so a truncation at any point, a reordering or bytes appended are all detected.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CiphertextDamagedError, KeyMismatchError } from './errors.ts';
import type { RepositoryKey } from './key.ts';
import { RecoverableError } from '../../core/errors.ts';

const MAGIC = Buffer.from('RCVRCRYP', 'latin1');
const VERSION = 1;
const KEY_ID_BYTES = 8;
const SALT_BYTES = 16;
const PREFIX_BYTES = 8;
const TAG_BYTES = 16;
/** Bytes of the header before the first chunk. */
export const HEADER_BYTES = MAGIC.length + 2 + KEY_ID_BYTES + SALT_BYTES + PREFIX_BYTES;
/** Plaintext bytes per chunk by default (1 MiB): the most either side ever holds in memory. */
export const DEFAULT_CHUNK_LOG2 = 20;
const MAX_CHUNKS = 2 ** 32;

/** Fill `buffer` from the start with up to `length` bytes; fewer only at the end of the input. */
export type ReadInto = (buffer: Buffer, length: number) => Promise<number>;

interface Header {
  bytes: Buffer;
  chunkSize: number;
  keyId: string;
  salt: Buffer;
  prefix: Buffer;
}

function fileKey(master: Buffer, salt: Buffer, name: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      master,
      salt,
      Buffer.concat([Buffer.from('recoverable file v1\0'), Buffer.from(name, 'utf8')]),
      32,
    ),
  );
}

function nonceOf(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(PREFIX_BYTES + 4);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, PREFIX_BYTES);
  return nonce;
}

function aadOf(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail.writeUInt8(final ? 1 : 0, 4);
  return Buffer.concat([header, tail]);
}

function newHeader(key: RepositoryKey, chunkLog2: number): Header {
  const salt = randomBytes(SALT_BYTES);
  const prefix = randomBytes(PREFIX_BYTES);
  const bytes = Buffer.concat([MAGIC, Buffer.from([VERSION, chunkLog2]), Buffer.from(key.id, 'hex'), salt, prefix]);
  return { bytes, chunkSize: 2 ** chunkLog2, keyId: key.id, salt, prefix };
}

/** The key id in an encrypted file's header, or null when the bytes are not this format's header. */
export function headerKeyId(bytes: Buffer): string | null {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  return bytes.subarray(MAGIC.length + 2, MAGIC.length + 2 + KEY_ID_BYTES).toString('hex');
}

function parseHeader(bytes: Buffer, label: string): Header {
  if (bytes.length < HEADER_BYTES)
    throw new CiphertextDamagedError(
      label,
      `${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header of an encrypted file`,
    );
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new CiphertextDamagedError(label, 'not an encrypted file (its header does not start with RCVRCRYP)');
  const version = bytes.readUInt8(MAGIC.length);
  if (version !== VERSION)
    throw new CiphertextDamagedError(label, `encryption format version ${version}, this version reads ${VERSION}`);
  const chunkLog2 = bytes.readUInt8(MAGIC.length + 1);
  if (chunkLog2 < 10 || chunkLog2 > 26)
    throw new CiphertextDamagedError(label, `chunk size 2^${chunkLog2} in the header is out of range`);
  let at = MAGIC.length + 2;
  const keyId = bytes.subarray(at, (at += KEY_ID_BYTES)).toString('hex');
  const salt = bytes.subarray(at, (at += SALT_BYTES));
  const prefix = bytes.subarray(at, at + PREFIX_BYTES);
  return { bytes: bytes.subarray(0, HEADER_BYTES), chunkSize: 2 ** chunkLog2, keyId, salt, prefix };
}

/** Encrypt what `read` yields, chunk by chunk; `name` is bound into the file key (a file renamed fails to decrypt). */
export async function* encryptChunks(
  read: ReadInto,
  key: RepositoryKey,
  name: string,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
): AsyncGenerator<Buffer> {
  const header = newHeader(key, chunkLog2);
  const derived = fileKey(key.bytes, header.salt, name);
  yield header.bytes;
  const buffer = Buffer.allocUnsafe(header.chunkSize);
  for (let index = 0; ; index++) {
    if (index >= MAX_CHUNKS)
      throw new RecoverableError(
        'encrypted-file-too-large',
        `${name} is too large for one encrypted file (more than 2^32 chunks)`,
      );
    const length = await read(buffer, header.chunkSize);
    const final = length < header.chunkSize;
    const cipher = createCipheriv('aes-256-gcm', derived, nonceOf(header.prefix, index));
    cipher.setAAD(aadOf(header.bytes, index, final));
    yield Buffer.concat([cipher.update(buffer.subarray(0, length)), cipher.final(), cipher.getAuthTag()]);
    if (final) return;
  }
}

/**
 * Decrypt what `read` yields: the header's key id is compared first (KeyMismatchError, nothing decrypted), then each
 * chunk is released only once its tag verifies (CiphertextDamagedError naming `label` otherwise).
 */
export async function* decryptChunks(
  read: ReadInto,
  key: RepositoryKey,
  name: string,
  label = name,
): AsyncGenerator<Buffer> {
  const headerBytes = Buffer.alloc(HEADER_BYTES);
  const header = parseHeader(headerBytes.subarray(0, await read(headerBytes, HEADER_BYTES)), label);
  if (header.keyId !== key.id) throw new KeyMismatchError(label, header.keyId, key.id);
  const derived = fileKey(key.bytes, header.salt, name);
  const sealed = header.chunkSize + TAG_BYTES;
  const buffer = Buffer.allocUnsafe(sealed + 1);
  for (let index = 0; ; index++) {
    if (index >= MAX_CHUNKS) throw new CiphertextDamagedError(label, 'more chunks than the format allows');
    const length = await read(buffer, sealed);
    if (length < TAG_BYTES) {
      throw new CiphertextDamagedError(
        label,
        length === 0 && index > 0
          ? `truncated after chunk ${index - 1} (no final chunk)`
          : `chunk ${index} is cut short (${length} bytes, less than its tag)`,
      );
    }
    const final = length < sealed;
    const decipher = createDecipheriv('aes-256-gcm', derived, nonceOf(header.prefix, index));
    decipher.setAAD(aadOf(header.bytes, index, final));
    decipher.setAuthTag(buffer.subarray(length - TAG_BYTES, length));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(buffer.subarray(0, length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CiphertextDamagedError(
        label,
        `chunk ${index} does not authenticate (AES-256-GCM tag mismatch: altered, truncated, reordered or encrypted under another name)`,
      );
    }
    if (final) {
      // The final chunk must end the file: anything after it was appended.
      if ((await read(buffer, 1)) !== 0)
        throw new CiphertextDamagedError(label, `bytes after the final chunk ${index}`);
      yield plain;
      return;
    }
    yield plain;
  }
}

/** A reader over a buffer in memory. */
export function bufferReader(source: Buffer): ReadInto {
  let at = 0;
  return async (buffer, length) => {
    const n = source.copy(buffer, 0, at, Math.min(source.length, at + length));
    at += n;
    return n;
  };
}

/** Encrypt a buffer whole (small files: evidence, tests). */
export async function encryptBuffer(
  plain: Buffer,
  key: RepositoryKey,
  name: string,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of encryptChunks(bufferReader(plain), key, name, chunkLog2)) parts.push(part);
  return Buffer.concat(parts);
}

/** Decrypt a buffer whole (small files: evidence, tests). */
export async function decryptBuffer(sealed: Buffer, key: RepositoryKey, name: string, label = name): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of decryptChunks(bufferReader(sealed), key, name, label)) parts.push(part);
  return Buffer.concat(parts);
}
