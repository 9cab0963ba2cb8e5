// One copy of a drill's WAL archive for all its containers, shown to each through a read-only mount. restore_command
// runs as the container's postgres (its own uid), which cannot read the repository's private files: the copy is that
// user's, made once per drill (reflink where the filesystem allows), and the repository is neither changed nor opened up.
import { constants } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureWorkRoot } from '../env/work-root.ts';
import { interruption } from '../core/interrupt.ts';
import { mapLimit } from '../core/parallel.ts';
import type { Logger } from '../core/log.ts';
import type { Runtime } from '../env/runtime.ts';
import type { WalArchive } from '../repository/wal-archive.ts';
import { neededWal } from '../restore/plaintext-wal.ts';
import { formatBytes, formatDuration } from '../report/format.ts';

/** What making the copy took: files, bytes, how many were reflinks, and how long. */
export interface WalCopyFacts {
  files: number;
  bytes: number;
  reflinked: number;
  durationMs: number;
}

// Errors with which a filesystem refuses a reflink (ext4, another filesystem, no FICLONE).
const NO_REFLINK = new Set(['EOPNOTSUPP', 'ENOTSUP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY']);

/** The drill's WAL for its containers: mount `mount` read-only in each, then ask `readableBy` for the directory. */
export class ContainerWalCopy {
  /** The directory to bind-mount read-only in every container of the drill (its copies appear there as they are made). */
  readonly mount: { path: string; readOnly: true };
  private readonly archive: WalArchive;
  private readonly startSegment: string;
  private readonly log: Logger;
  private readonly copies = new Map<string, Promise<string>>();
  private readonly unregister: () => void;
  /** One entry per copy made or brought up to date (a drill whose containers share a postgres uid, and whose archive does not grow, makes one). */
  readonly made: WalCopyFacts[] = [];

  private constructor(root: string, archive: WalArchive, startSegment: string, log: Logger) {
    this.mount = { path: root, readOnly: true };
    this.archive = archive;
    this.startSegment = startSegment;
    this.log = log;
    this.unregister = interruption.onInterrupt(() => this.remove());
  }

  /** An empty, passable directory in the work root; nothing is copied until a container asks. Call dispose(). */
  static async create(archive: WalArchive, startSegment: string, log: Logger): Promise<ContainerWalCopy> {
    const root = await mkdtemp(join(await ensureWorkRoot(), 'recoverable-wal-'));
    // Passable, so a container's postgres reaches its own copy inside; each copy is private to that user.
    await chmod(root, 0o755);
    return new ContainerWalCopy(root, archive, startSegment, log);
  }

  /**
   * The copy the cluster user of `runtime` reads: made on first asking (one per user id), and on each later asking
   * given only the files archived since (archived files never change), so a later target sees what the archive holds.
   */
  readableBy(runtime: Runtime): Promise<string> {
    const user = runtime.clusterUser;
    const key = user ? `${user.uid}-${user.gid}` : 'own';
    const previous = this.copies.get(key);
    const dir = join(this.mount.path, `wal-${key}`);
    const copy = previous ? previous.then(() => this.copyNew(dir, user, false)) : this.copyNew(dir, user, true);
    this.copies.set(key, copy);
    return copy;
  }

  // What a restore from the backup's start can ask for (histories, and every file from its start segment on) not yet in `dir`.
  private async copyNew(dir: string, user: { uid: number; gid: number } | null, first: boolean): Promise<string> {
    const started = performance.now();
    if (first) await mkdir(dir, { mode: 0o700 });
    const have = first ? new Set<string>() : new Set(await readdir(dir));
    const names = neededWal(await this.archive.list(), this.startSegment).filter((n) => !have.has(n));
    if (!first && names.length === 0) return dir;
    const sizes = await mapLimit(names, 4, async (name) => {
      const reflinked = await cloneOrCopy(this.archive.pathOf(name), join(dir, name));
      return { reflinked, bytes: (await stat(join(dir, name))).size };
    });
    // As root the copy goes to the container's postgres; an ordinary user's containers run as that user already.
    if (user && process.getuid?.() === 0)
      for (const path of [...(first ? [dir] : []), ...names.map((n) => join(dir, n))])
        await chown(path, user.uid, user.gid);
    const facts: WalCopyFacts = {
      files: names.length,
      bytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
      reflinked: sizes.filter((s) => s.reflinked).length,
      durationMs: Math.round(performance.now() - started),
    };
    this.made.push(facts);
    this.log.info(
      first
        ? `WAL archive copied once for the drill's containers: ${describeWalCopy(facts)}`
        : `WAL archived since added to the drill's copy: ${describeWalCopy(facts)}`,
    );
    return dir;
  }

  private remove(): Promise<void> {
    return rm(this.mount.path, { recursive: true, force: true });
  }

  /** Remove every copy; safe twice. */
  async dispose(): Promise<void> {
    this.unregister();
    await this.remove();
  }
}

// A reflink where the filesystem makes one (true), else a plain copy (false).
async function cloneOrCopy(from: string, to: string): Promise<boolean> {
  try {
    await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch (error) {
    if (!NO_REFLINK.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  await rm(to, { force: true });
  await copyFile(from, to, constants.COPYFILE_EXCL);
  return false;
}

/** e.g. "12 files, 192.0 MiB (12 by reflink) in 40 ms". */
export function describeWalCopy(facts: WalCopyFacts): string {
  const how =
    facts.reflinked === facts.files
      ? 'all by reflink'
      : facts.reflinked === 0
        ? 'full copies'
        : `${facts.reflinked} by reflink`;
  return `${facts.files} files, ${formatBytes(facts.bytes)} (${how}) in ${formatDuration(facts.durationMs)}`;
}
