// A restore's own copy of the backup's files: copy-on-write (reflink) where the filesystems allow it, else every byte.
// Never hard links: the restored server rewrites files in place and would write into the backup.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Runtime } from '../env/runtime.ts';
import type { RestoreCopy } from '../run/result.ts';
import { measureWriteRate } from './write-rate.ts';

/** One directory tree of the backup and where the restore's copy of it goes (which must not exist yet). */
export interface CopyTree {
  from: string;
  to: string;
  label: string;
}

/** How one tree was copied. */
export interface TreeOutcome {
  reflink: boolean;
  files: number;
  bytes: number;
}

/** Copy every tree: reflink first, a full copy where the filesystems refuse one. */
export async function copyForRestore(runtime: Runtime, trees: readonly CopyTree[], clock: Clock): Promise<RestoreCopy> {
  const started = clock.now();
  const outcomes: TreeOutcome[] = [];
  for (const tree of trees) outcomes.push(await copyTree(runtime, tree));
  return summariseCopy(outcomes, Math.round(clock.now() - started));
}

/** State what a full copy costs: a full copy measured itself; else the write rate of `dir`'s filesystem prices one (none when it cannot be measured). */
export async function priceFullCopy(copy: RestoreCopy, dir: string): Promise<RestoreCopy> {
  const rate = copy.method === 'full' ? null : await measureWriteRate(dir).catch(() => null);
  return withFullCopyCost(copy, rate);
}

// A reflink of the tree's largest file first (refusing costs one file, not a failed clone of every file); then
// `cp -a --reflink=always`, which proves a reflink by succeeding; refused, or no file to try, a full `cp -a`.
async function copyTree(runtime: Runtime, tree: CopyTree): Promise<TreeOutcome> {
  const { largest, ...size } = await treeSize(tree.from);
  if (largest && (await reflinkAccepted(runtime, largest, `${tree.to}.reflink-probe`))) {
    try {
      await runtime.system('cp', ['-a', '--reflink=always', tree.from, tree.to], {
        label: `cp --reflink=always (${tree.label})`,
      });
      return { reflink: true, ...size };
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      await runtime.system('rm', ['-rf', tree.to], { label: `rm (${tree.label} partly cloned)` });
    }
  }
  // No --reflink flag: the probe already says a reflink fails here, and busybox's cp (Alpine images) knows no such flag.
  await runtime.system('cp', ['-a', tree.from, tree.to], { label: `cp (${tree.label})` });
  return { reflink: false, ...size };
}

/** Whether `file` can be cloned to `probe` (on the copy's filesystem), the probe removed either way. */
export async function reflinkAccepted(runtime: Runtime, file: string, probe: string): Promise<boolean> {
  try {
    await runtime.system('sh', ['-c', 'cp --reflink=always "$1" "$2"; s=$?; rm -f "$2"; exit $s', 'sh', file, probe], {
      label: 'cp --reflink=always (probe)',
    });
    return true;
  } catch (error) {
    if (error instanceof ToolError) return false;
    throw error;
  }
}

/** Regular files under `dir`, their bytes, and the largest of them (symbolic links not followed). */
export async function treeSize(dir: string): Promise<{ files: number; bytes: number; largest: string | null }> {
  let files = 0;
  let bytes = 0;
  let largest: { path: string; size: number } | null = null;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { size } = await lstat(path);
    files += 1;
    bytes += size;
    if (!largest || size > largest.size) largest = { path, size };
  }
  return { files, bytes, largest: largest?.path ?? null };
}

/** The copy as the report states it: reflink only when every tree with files was one; bytes written are the full trees' bytes. */
export function summariseCopy(outcomes: readonly TreeOutcome[], durationMs: number): RestoreCopy {
  // An empty tree (a tablespace without files) says nothing about the filesystem.
  const telling = outcomes.filter((o) => o.files > 0);
  const reflinked = telling.filter((o) => o.reflink).length;
  const method = telling.length > 0 && reflinked === telling.length ? 'reflink' : reflinked === 0 ? 'full' : 'mixed';
  const sum = (pick: (o: TreeOutcome) => number, of = outcomes): number => of.reduce((total, o) => total + pick(o), 0);
  return {
    method,
    files: sum((o) => o.files),
    bytes: sum((o) => o.bytes),
    bytesWritten: sum(
      (o) => o.bytes,
      outcomes.filter((o) => !o.reflink),
    ),
    durationMs,
  };
}

/** Add what a full copy of `copy.bytes` costs: at this copy's own rate when it wrote every byte, else at `probedRate` (bytes/s). */
export function withFullCopyCost(copy: RestoreCopy, probedRate: number | null): RestoreCopy {
  if (copy.method === 'full') {
    if (copy.durationMs <= 0 || copy.bytes === 0) return copy;
    return {
      ...copy,
      fullCopy: {
        bytesPerSecond: Math.round(copy.bytes / (copy.durationMs / 1000)),
        estimatedMs: copy.durationMs,
        basis: 'measured by this copy',
      },
    };
  }
  if (!probedRate || probedRate <= 0) return copy;
  return {
    ...copy,
    fullCopy: {
      bytesPerSecond: Math.round(probedRate),
      estimatedMs: Math.round((copy.bytes / probedRate) * 1000),
      basis: "estimated at the write rate of the restore's filesystem (a synced write probe)",
    },
  };
}
