// Per-backup manifest: size and SHA-256 of every file, and its verification.
import { open, readdir, stat } from 'node:fs/promises';
import { mapLimit } from '../core/parallel.ts';
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  formatVersion: 1;
  algorithm: 'sha256';
  files: ManifestEntry[];
  /**
   * Directories whose files PostgreSQL's own manifest already covers with SHA-256 (a basebackup's data/,
   * checked by pg_verifybackup): here only that manifest and the WAL beside it are hashed, not every file twice.
   */
  delegated?: Array<{ dir: string; manifest: string; verifiedBy: string }>;
}

/** A directory covered by its own manifest: which of its files this manifest still lists. */
export interface Delegation {
  dir: string;
  manifest: string;
  verifiedBy: string;
  /** Files under `dir` the delegated manifest does not cover (e.g. pg_wal/), listed here as usual. */
  keep: (relativePath: string) => boolean;
}

// Whether a path falls to a delegation (and is therefore not listed here).
function delegatedAway<D extends Pick<Delegation, 'dir' | 'manifest'>>(
  path: string,
  delegations: readonly D[],
  keep: (d: D, rest: string) => boolean,
): boolean {
  return delegations.some(
    (d) => path.startsWith(`${d.dir}/`) && path !== d.manifest && !keep(d, path.slice(d.dir.length + 1)),
  );
}

// Files pg_verifybackup skips by design (pg_basebackup -R may edit them after the manifest is written).
const UNVERIFIED_BY_PG = new Set(['postgresql.auto.conf', 'standby.signal', 'recovery.signal']);

/**
 * What a basebackup's backup_manifest leaves uncovered, so ours lists it: pg_wal/ (never in it) and the files
 * pg_verifybackup ignores, postgresql.auto.conf above all (its settings reach the restore).
 */
export const keepOutsideBackupManifest = (rest: string): boolean =>
  rest.startsWith('pg_wal/') || UNVERIFIED_BY_PG.has(rest);

// Files a delegated manifest never covers, so an unlisted one is an addition ("unexpected"), not the other manifest's.
function uncoveredBy(verifiedBy: string, rest: string): boolean {
  return verifiedBy === 'pg_verifybackup' && keepOutsideBackupManifest(rest);
}

/** What verification found wrong with one file. */
export interface ManifestFinding {
  path: string;
  problem: 'missing' | 'unexpected' | 'size' | 'checksum';
  expected?: string | number;
  actual?: string | number;
}

export const MANIFEST_FILE = 'manifest.json';
/** The detached signature of manifest.json (signed backups only); it cannot list itself, so it is the one file outside. */
export const MANIFEST_SIGNATURE_FILE = 'manifest.sig.json';

const CHUNK = 1 << 20;
const HASHERS = 4;

/** SHA-256 of a file, read in chunks into `buffer` (reused across files: a fresh 1 MiB per file was mostly GC). */
export async function sha256File(file: string, buffer: Buffer = Buffer.allocUnsafe(CHUNK)): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

// Size and hash of each file, a few files at a time, each worker with its own buffer.
async function describeFiles(dir: string, paths: readonly string[]): Promise<ManifestEntry[]> {
  const buffers = Array.from({ length: HASHERS }, () => Buffer.allocUnsafe(CHUNK));
  let free = [...buffers];
  return mapLimit(paths, HASHERS, async (path) => {
    const buffer = free.pop()!;
    try {
      const full = join(dir, path);
      return { path, size: (await stat(full)).size, sha256: await sha256File(full, buffer) };
    } finally {
      free = [...free, buffer];
    }
  });
}

/** Every regular file under `dir`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Build the manifest of `dir`, leaving out the manifest, its signature and what a delegation covers. */
export async function buildManifest(dir: string, delegations: readonly Delegation[] = []): Promise<Manifest> {
  const paths = (await listFiles(dir)).filter(
    (p) =>
      p !== MANIFEST_FILE && p !== MANIFEST_SIGNATURE_FILE && !delegatedAway(p, delegations, (d, rest) => d.keep(rest)),
  );
  const files = await describeFiles(dir, paths);
  return {
    formatVersion: 1,
    algorithm: 'sha256',
    files,
    ...(delegations.length
      ? { delegated: delegations.map(({ dir: d, manifest, verifiedBy }) => ({ dir: d, manifest, verifiedBy })) }
      : {}),
  };
}

/** Compare `dir` against its manifest: missing, unexpected, resized or changed files. */
export async function verifyManifest(dir: string, manifest: Manifest): Promise<ManifestFinding[]> {
  const findings: ManifestFinding[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  const delegated = manifest.delegated ?? [];
  // Under a delegated directory the other manifest covers the rest, except what it cannot cover (those must all be listed here).
  const present = new Set(
    (await listFiles(dir)).filter(
      (p) =>
        p !== MANIFEST_FILE &&
        p !== MANIFEST_SIGNATURE_FILE &&
        (listed.has(p) || !delegatedAway(p, delegated, (d, rest) => uncoveredBy(d.verifiedBy, rest))),
    ),
  );
  const toHash: ManifestEntry[] = [];
  for (const entry of manifest.files) {
    if (!present.delete(entry.path)) {
      findings.push({ path: entry.path, problem: 'missing' });
      continue;
    }
    const size = (await stat(join(dir, entry.path))).size;
    if (size !== entry.size) findings.push({ path: entry.path, problem: 'size', expected: entry.size, actual: size });
    else toHash.push(entry);
  }
  const actual = await describeFiles(
    dir,
    toHash.map((e) => e.path),
  );
  toHash.forEach((entry, i) => {
    if (actual[i]!.sha256 !== entry.sha256)
      findings.push({ path: entry.path, problem: 'checksum', expected: entry.sha256, actual: actual[i]!.sha256 });
  });
  for (const path of present) findings.push({ path, problem: 'unexpected' });
  return findings;
}

/** One line per finding, for check messages. */
export function describeFinding(f: ManifestFinding): string {
  switch (f.problem) {
    case 'missing':
      return `${f.path} is missing`;
    case 'unexpected':
      return `${f.path} is not in the manifest`;
    case 'size':
      return `${f.path} is ${f.actual} bytes, the manifest says ${f.expected}`;
    case 'checksum':
      return `${f.path} has SHA-256 ${String(f.actual).slice(0, 12)}…, the manifest says ${String(f.expected).slice(0, 12)}…`;
  }
}
