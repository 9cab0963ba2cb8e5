// The disk under the bench's work directory: its sequential write rate and filesystem, and how fast a restore copies onto it.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../src/core/exec.ts';
import { judge, notMeasured } from './targets.ts';
import { median, say, seconds } from './util.ts';

const PROBE_MIB = 1024;
/** A restore copy that reaches half the disk's write rate is copying, not waiting on something else. */
const COPY_SHARE = 0.5;
const COW_COPY_MS = 1000;
/** Filesystems where `cp --reflink` can share extents (XFS only when made with reflink=1, the default since xfsprogs 5.1). */
const COW_FILESYSTEMS = ['btrfs', 'xfs'];

/** A sequential write measured with dd. */
export interface DiskRate {
  bytes: number;
  ms: number;
  /** Megabytes (10^6 bytes) per second, as dd reports them. */
  mbPerSecond: number;
  filesystem: string;
}

/** One restore copy: how many bytes, in how long. */
export interface CopyTiming {
  bytes: number;
  ms: number;
}

// The filesystem's type as mounted (ext4, btrfs, xfs); `stat -f` names ext4 "ext2/ext3" (they share one magic number).
async function filesystemOf(dir: string): Promise<string> {
  const mounted = await run('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir]).catch(() => null);
  return mounted?.stdout.trim() || (await run('stat', ['-f', '-c', '%T', dir])).stdout.trim();
}

/** `dd if=/dev/zero bs=1M count=1024 conv=fdatasync` into `dir`: every byte on the disk before the clock stops. */
export async function sequentialWriteRate(dir: string): Promise<DiskRate> {
  const file = join(dir, 'dd-probe');
  const started = performance.now();
  await run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${PROBE_MIB}`, 'conv=fdatasync', 'status=none']);
  const ms = performance.now() - started;
  await rm(file, { force: true });
  const bytes = PROBE_MIB * 1024 * 1024;
  const filesystem = await filesystemOf(dir);
  return { bytes, ms, mbPerSecond: bytes / 1e6 / (ms / 1000), filesystem };
}

/** The bytes a restore copies: the backup's data directory and tablespaces, as `du` counts them. */
export async function backupCopyBytes(repo: string, backupId: string): Promise<number> {
  const dir = join(repo, 'backups', backupId);
  const record = JSON.parse(await readFile(join(dir, 'backup.json'), 'utf8')) as {
    physical: { dataDir: string; tablespaces: Array<{ path: string }> } | null;
  };
  if (!record.physical) throw new Error(`backup ${backupId} is not a physical backup`);
  const paths = [record.physical.dataDir, ...record.physical.tablespaces.map((t) => t.path)].map((p) => join(dir, p));
  const { stdout } = await run('du', ['-s', '-b', '-c', ...paths]);
  return Number(/^(\d+)\s+total$/m.exec(stdout)?.[1] ?? NaN);
}

/** The restore copies' median rate against the disk's, and on a copy-on-write filesystem the copy's time against 1 s. */
export function judgeCopies(copies: CopyTiming[], disk: DiskRate | null): void {
  say('');
  if (!disk || !copies.length) {
    notMeasured(
      'restore copy rate',
      'no physical drill or no disk probe in this run (run the physical or pitr section)',
      `>= ${COPY_SHARE}x the disk's sequential write rate`,
    );
    return;
  }
  const ms = median(copies.map((c) => c.ms));
  const bytes = median(copies.map((c) => c.bytes));
  const rate = bytes / 1e6 / (ms / 1000);
  say(
    `disk: dd of ${PROBE_MIB} MiB with conv=fdatasync into the work dir (${disk.filesystem}) in ${seconds(disk.ms)}: ${disk.mbPerSecond.toFixed(0)} MB/s`,
  );
  say(
    `restore copy: median of ${copies.length} drill cop${copies.length === 1 ? 'y' : 'ies'} (reflink probe + cp -a), ${(bytes / 1e6).toFixed(0)} MB in ${seconds(ms)}`,
  );
  const cow = COW_FILESYSTEMS.includes(disk.filesystem);
  // cp shares extents where it can (--reflink=auto is its default since coreutils 9.0); elsewhere it does not fsync,
  // and the server fsyncs the whole data directory when it starts recovery, inside the replay phase.
  if (rate > disk.mbPerSecond)
    say(
      `restore copy: faster than the disk: ${cow ? `on ${disk.filesystem} cp shares the backup's extents instead of writing them` : "it lands in the page cache, and the server's fsync of the data directory at the start of recovery (in the replay phase) pays the rest"}`,
    );
  judge(
    "restore copy rate against the disk's sequential write rate",
    `${rate.toFixed(0)} MB/s = ${(rate / disk.mbPerSecond).toFixed(2)}x ${disk.mbPerSecond.toFixed(0)} MB/s`,
    `>= ${COPY_SHARE.toFixed(2)}x`,
    rate >= COPY_SHARE * disk.mbPerSecond,
  );
  const target = `< ${seconds(COW_COPY_MS)} on a copy-on-write filesystem`;
  if (cow) judge(`restore copy on ${disk.filesystem}`, seconds(ms), target, ms < COW_COPY_MS);
  else
    notMeasured(
      'copy-on-write restore copy',
      `the work dir is on ${disk.filesystem}, which cannot share extents; run with --work-dir on btrfs (truncate -s 20G f.img && mkfs.btrfs f.img && mount -o loop f.img /mnt/bench)`,
      target,
    );
}
