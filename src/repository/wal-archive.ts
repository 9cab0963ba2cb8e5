// The repository's WAL archive (`<repository>/wal/`): files stored as-is, durable, never overwritten.
import { existsSync } from 'node:fs';
import { chown, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RecoverableError } from '../core/errors.ts';
import { fsyncPath } from './durable.ts';
import { isArchivableName } from './wal-names.ts';
import type { RepositoryKey } from './cipher/key.ts';
import { decryptBuffer } from './cipher/stream-format.ts';
import { decryptFile, decryptFileChunks, encryptFile, fileKeyId } from './cipher/files.ts';

const WAL_DIR = 'wal';

/** Size and SHA-256 of one WAL file, for conflict messages. */
export interface WalFileFacts {
  size: number;
  sha256: string;
}

/** Archiving found a file of the same name with different content: the archive is left unchanged. */
export class WalConflictError extends RecoverableError {
  readonly walName: string;
  readonly archived: WalFileFacts;
  readonly incoming: WalFileFacts;

  constructor(walName: string, archived: WalFileFacts, incoming: WalFileFacts) {
    super(
      'wal-conflict',
      `wal file ${walName} is already archived with different content (archived: ${archived.size} bytes, sha256 ${archived.sha256}; new: ${incoming.size} bytes, sha256 ${incoming.sha256})`,
      {
        hint: 'two servers may be archiving into one repository (a second cluster, or a restored copy with archive_mode on): give each server its own repository; the archived file was not changed',
      },
    );
    this.walName = walName;
    this.archived = archived;
    this.incoming = incoming;
  }
}

/** A name that is not a WAL segment, `.partial`, `.history` or `.backup` file: refused before any I/O. */
export class InvalidWalNameError extends RecoverableError {
  constructor(name: string) {
    super('wal-name-invalid', `"${name}" is not a WAL file name`, {
      hint: 'expected a segment (24 hex digits, optionally .partial), a timeline history file (00000002.history) or a backup label (<segment>.<8 hex>.backup): pass %f as the name',
    });
  }
}

/** The WAL archive of a repository directory: what archive_command writes and restore_command reads. */
export class WalArchive {
  readonly root: string;
  readonly dir: string;
  /** With a key, files are stored encrypted (named by their WAL name) and read back decrypted. */
  readonly key: RepositoryKey | null;

  /** `system`: the cluster's system identifier; one repository holds each cluster's WAL apart. */
  constructor(root: string, system?: string, options: { key?: RepositoryKey | null } = {}) {
    this.root = root;
    this.dir = system ? join(root, WAL_DIR, system) : join(root, WAL_DIR);
    this.key = options.key ?? null;
  }

  /** The archive of cluster `system`, or the repository's flat archive when that cluster has no directory of its own. */
  static forSystem(root: string, system: string, options: { key?: RepositoryKey | null } = {}): WalArchive {
    return existsSync(join(root, WAL_DIR, system))
      ? new WalArchive(root, system, options)
      : new WalArchive(root, undefined, options);
  }

  /** Where `name` lives in the archive (validated, so it cannot escape the directory). */
  pathOf(name: string): string {
    assertWalName(name);
    return join(this.dir, name);
  }

  /** Store `sourcePath` as `name` without ever overwriting: the link is the arbiter between concurrent callers. */
  async archive(sourcePath: string, name: string): Promise<'stored' | 'already-present'> {
    const final = this.pathOf(name);
    const temp = join(this.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await this.ensureDir();
      await this.copyDurably(sourcePath, temp, name);
      try {
        await link(temp, final);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
        // Encrypted twice, the same bytes differ (fresh salt): the plaintexts are compared.
        await assertSameContent(name, final, this.key ? sourcePath : temp, this.key);
        // a retry after a crash may find a link that was never made durable: sync it now
        await fsyncPath(final);
        await fsyncPath(this.dir);
        return 'already-present';
      }
      await rm(temp, { force: true });
      await fsyncPath(this.dir);
      return 'stored';
    } catch (error) {
      if (error instanceof RecoverableError) throw error;
      throw new RecoverableError(
        'wal-archive-failed',
        `could not archive ${name} from ${sourcePath}: ${(error as Error).message}`,
        {
          hint: `the repository's wal directory must be writable by the server's OS user: ${this.dir}`,
          cause: error,
        },
      );
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Copy `name` to `destPath` (temp + rename), decrypted with the archive's key; false when the archive does not hold it. */
  async fetch(name: string, destPath: string): Promise<boolean> {
    const source = this.pathOf(name);
    const temp = `${destPath}.recoverable-tmp`;
    try {
      if (this.key && (await this.has(name))) await decryptFile(source, temp, this.key, name);
      else {
        // Ciphertext handed to the server as WAL would fail replay far from its cause: say so here.
        const keyId = await fileKeyId(source).catch(() => null);
        if (keyId)
          throw new RecoverableError('wal-encrypted', `${name} is encrypted (key ${keyId}) and no key was given`, {
            hint: "pass --key-file with the repository's key",
          });
        await copyFile(source, temp);
      }
      await rename(temp, destPath);
      return true;
    } catch (error) {
      await rm(temp, { force: true });
      // a damaged or foreign-key ciphertext says so itself
      if (error instanceof RecoverableError) throw error;
      // ENOENT may also mean the destination directory is missing: only a missing source is "not found"
      if (errorCode(error) === 'ENOENT' && !(await this.has(name))) return false;
      throw new RecoverableError(
        'wal-fetch-failed',
        `could not fetch ${name} into ${destPath}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** The content of `name`, or null when the archive does not hold it (small files: `.history`). */
  async read(name: string): Promise<Buffer | null> {
    try {
      const bytes = await readFile(this.pathOf(name));
      return this.key ? await decryptBuffer(bytes, this.key, name) : bytes;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  /** Size in bytes of an archived file, or null when it is missing. */
  async size(name: string): Promise<number | null> {
    try {
      const facts = await stat(this.pathOf(name));
      return facts.isFile() ? facts.size : null;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  /** Whether the archive holds `name`. */
  async has(name: string): Promise<boolean> {
    return (await this.size(name)) !== null;
  }

  /** The system identifier in an archived segment's first page header (decrypted with the archive's key), null if unreadable. */
  async systemIdOf(name: string): Promise<string | null> {
    const path = this.pathOf(name);
    if (!this.key || (await fileKeyId(path)) === null) return segmentSystemId(path);
    for await (const first of decryptFileChunks(path, this.key, name))
      return first.length < 32 ? null : first.readBigUInt64LE(24).toString();
    return null;
  }

  /** Every archived WAL file name, sorted (temp files of writers in progress excluded). */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter(isArchivableName).sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  // Copy (or encrypt) and fsync; as root, hand the file to the directory's owner so the server can read it back.
  private async copyDurably(sourcePath: string, temp: string, name: string): Promise<void> {
    if (this.key) await encryptFile(sourcePath, temp, this.key, name);
    else await copyFile(sourcePath, temp);
    if (process.getuid?.() === 0) {
      const owner = await stat(this.dir);
      if (owner.uid !== 0) await chown(temp, owner.uid, owner.gid);
    }
    await fsyncPath(temp);
  }
}

/** Throw InvalidWalNameError unless `name` is a file PostgreSQL archives. */
export function assertWalName(name: string): void {
  if (!isArchivableName(name)) throw new InvalidWalNameError(name);
}

// Equal bytes mean a retry of the same segment (fine); anything else is a conflict. Encrypted, plaintexts are compared.
async function assertSameContent(
  name: string,
  archivedPath: string,
  incomingPath: string,
  key: RepositoryKey | null,
): Promise<void> {
  const encrypted = key !== null && (await fileKeyId(archivedPath)) !== null;
  const [archived, incoming] = await Promise.all([
    fileFacts(archivedPath, encrypted ? { key: key!, name } : null),
    fileFacts(incomingPath, null),
  ]);
  if (archived.size !== incoming.size || archived.sha256 !== incoming.sha256)
    throw new WalConflictError(name, archived, incoming);
}

// Size and SHA-256 of a file's bytes, or of its plaintext when `cipher` is given (a damaged file throws).
async function fileFacts(path: string, cipher: { key: RepositoryKey; name: string } | null): Promise<WalFileFacts> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of cipher ? decryptFileChunks(path, cipher.key, cipher.name) : createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The system identifier written in a WAL segment's first (long) page header, as a decimal string. */
export async function segmentSystemId(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(32);
    const { bytesRead } = await handle.read(header, 0, 32, 0);
    return bytesRead < 32 ? null : header.readBigUInt64LE(24).toString();
  } finally {
    await handle.close();
  }
}
