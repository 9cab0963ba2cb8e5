// Encrypt and decrypt files on disk, streamed: never more than one chunk in memory.
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { decryptChunks, encryptChunks, headerKeyId, HEADER_BYTES, type ReadInto } from './stream-format.ts';
import type { RepositoryKey } from './key.ts';

// Read until `length` bytes or the end of the file (a short read of a regular file only happens at its end).
function handleReader(handle: FileHandle): ReadInto {
  return async (buffer, length) => {
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  };
}

async function pipeTo(chunks: AsyncGenerator<Buffer>, dest: string, mode: number): Promise<void> {
  const out = await open(dest, 'wx', mode);
  try {
    // Not synced here: the repository fsyncs what it commits, and a drill's plaintext copy is disposable.
    for await (const chunk of chunks) await out.write(chunk);
  } finally {
    await out.close();
  }
}

/** Write the ciphertext of `source` to `dest` (which must not exist); `name` is bound into the file's key. */
export async function encryptFile(
  source: string,
  dest: string,
  key: RepositoryKey,
  name: string,
  mode = 0o600,
): Promise<void> {
  const input = await open(source, 'r');
  try {
    await pipeTo(encryptChunks(handleReader(input), key, name), dest, mode);
  } finally {
    await input.close();
  }
}

/** Replace `path` by its ciphertext (through a temporary file beside it, then rename), keeping its mode. */
export async function encryptInPlace(path: string, key: RepositoryKey, name: string): Promise<void> {
  const temp = `${path}.encrypting`;
  try {
    await encryptFile(path, temp, key, name, (await stat(path)).mode & 0o777);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Authenticated plaintext of an encrypted file, chunk by chunk (each chunk verified before it is yielded). */
export async function* decryptFileChunks(
  source: string,
  key: RepositoryKey,
  name: string,
  label = name,
): AsyncGenerator<Buffer> {
  const input = await open(source, 'r');
  try {
    yield* decryptChunks(handleReader(input), key, name, label);
  } finally {
    await input.close();
  }
}

/** Decrypt `source` into `dest` (which must not exist); a damaged file leaves no `dest` behind. */
export async function decryptFile(
  source: string,
  dest: string,
  key: RepositoryKey,
  name: string,
  label = name,
  mode = 0o600,
): Promise<void> {
  try {
    await pipeTo(decryptFileChunks(source, key, name, label), dest, mode);
  } catch (error) {
    await rm(dest, { force: true });
    throw error;
  }
}

/** The key id in a file's header, or null when it is not an encrypted file. */
export async function fileKeyId(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return headerKeyId(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
