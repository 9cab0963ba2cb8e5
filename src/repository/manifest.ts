// Per-backup manifest: size and SHA-256 of every file, and its verification.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
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
}

/** What verification found wrong with one file. */
export interface ManifestFinding {
  path: string;
  problem: 'missing' | 'unexpected' | 'size' | 'checksum';
  expected?: string | number;
  actual?: string | number;
}

export const MANIFEST_FILE = 'manifest.json';

/** SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Build the manifest of `dir`, leaving out the manifest file itself. */
export async function buildManifest(dir: string): Promise<Manifest> {
  const files: ManifestEntry[] = [];
  for (const path of await listFiles(dir)) {
    if (path === MANIFEST_FILE) continue;
    const full = join(dir, path);
    files.push({ path, size: (await stat(full)).size, sha256: await sha256File(full) });
  }
  return { formatVersion: 1, algorithm: 'sha256', files };
}

/** Compare `dir` against its manifest: missing, unexpected, resized or changed files. */
export async function verifyManifest(dir: string, manifest: Manifest): Promise<ManifestFinding[]> {
  const findings: ManifestFinding[] = [];
  const present = new Set((await listFiles(dir)).filter((p) => p !== MANIFEST_FILE));
  for (const entry of manifest.files) {
    if (!present.delete(entry.path)) {
      findings.push({ path: entry.path, problem: 'missing' });
      continue;
    }
    const full = join(dir, entry.path);
    const size = (await stat(full)).size;
    if (size !== entry.size) {
      findings.push({ path: entry.path, problem: 'size', expected: entry.size, actual: size });
      continue;
    }
    const sha256 = await sha256File(full);
    if (sha256 !== entry.sha256) findings.push({ path: entry.path, problem: 'checksum', expected: entry.sha256, actual: sha256 });
  }
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
