// Find PostgreSQL binaries on this machine, per major version.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { EnvironmentError } from '../core/errors.ts';
import { binCandidates, searchedPlaces, type BinCandidate, type BinSource } from './bin-layouts.ts';

/** A directory of PostgreSQL binaries of one major version. */
export interface PgBin {
  dir: string;
  major: number;
  /** Full version string, e.g. "15.18". */
  version: string;
  /** The layout it was found through. */
  via: BinSource;
}

/** Every candidate bin directory, in search order (see {@link binCandidates}). */
export function candidateBinDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return binCandidates(env).map((candidate) => candidate.dir);
}

// Ask a bin dir's postgres (or pg_dump when there is no server) what version it is.
function probe({ dir, via }: BinCandidate): PgBin | null {
  for (const tool of ['postgres', 'pg_ctl', 'pg_dump']) {
    const file = join(dir, tool);
    if (!existsSync(file)) continue;
    try {
      const out = execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const match = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(out);
      if (match) return { dir, major: Number(match[1]), version: `${match[1]}.${match[2] ?? '0'}`, via };
    } catch {
      // not runnable here: skip it
    }
  }
  return null;
}

const probed = new Map<string, PgBin[]>();

// Everything that decides the search, as one cache key.
function searchKey(env: NodeJS.ProcessEnv): string {
  return [env.RECOVERABLE_PG_BIN, env.RECOVERABLE_PG_SEARCH_ROOT, env.HOMEBREW_PREFIX, env.PATH]
    .map((v) => v ?? '')
    .join('\0');
}

/** Every runnable installation in search order, several per major when several layouts hold one (probed once per search). */
export function discoverInstallations(env: NodeJS.ProcessEnv = process.env): PgBin[] {
  const key = searchKey(env);
  const cached = probed.get(key);
  if (cached) return cached;
  const found = binCandidates(env).flatMap((candidate) => probe(candidate) ?? []);
  probed.set(key, found);
  return found;
}

/** The installation used for each major (the first found in search order), newest major first. */
export function discoverBinaries(env: NodeJS.ProcessEnv = process.env): PgBin[] {
  const first = new Map<number, PgBin>();
  for (const bin of discoverInstallations(env)) if (!first.has(bin.major)) first.set(bin.major, bin);
  return [...first.values()].sort((a, b) => b.major - a.major);
}

/** Majors whose first installation has a server (initdb, pg_ctl, postgres), newest first. */
export function installedServerMajors(env: NodeJS.ProcessEnv = process.env): number[] {
  return discoverBinaries(env)
    .filter((bin) => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(bin.dir, name))))
    .map((bin) => bin.major);
}

/** The binaries of one major, with every tool a drill needs; exit 3 naming what was searched and what to install otherwise. */
export function requireBinaries(major: number, tools: readonly string[], env: NodeJS.ProcessEnv = process.env): PgBin {
  const all = discoverBinaries(env);
  const bin = all.find((b) => b.major === major);
  const install = `install PostgreSQL ${major} (Debian/Ubuntu: apt-get install postgresql-${major} postgresql-contrib; RHEL: dnf install postgresql${major}-server; macOS: brew install postgresql@${major}), set RECOVERABLE_PG_BIN to its bin directory, or restore in Docker (--environment docker)`;
  if (!bin) {
    const seen = all.length ? `found only ${all.map((b) => `${b.major} (${b.dir})`).join(', ')}` : 'found none';
    throw new EnvironmentError(
      'binaries-missing',
      `PostgreSQL ${major} binaries are not installed: ${seen}; searched ${searchedPlaces(env)}`,
      { hint: install },
    );
  }
  const missing = tools.filter((tool) => !existsSync(join(bin.dir, tool)));
  if (missing.length) {
    throw new EnvironmentError(
      'binaries-missing',
      `PostgreSQL ${major} in ${bin.dir} (found through ${bin.via}) lacks ${missing.join(', ')}`,
      { hint: install },
    );
  }
  return bin;
}

/** Path of one tool in a bin dir. */
export function tool(bin: PgBin, name: string): string {
  return join(bin.dir, name);
}
