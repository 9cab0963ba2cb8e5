// Find PostgreSQL binaries on this machine, per major version.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { EnvironmentError } from '../core/errors.ts';

/** A directory of PostgreSQL binaries of one major version. */
export interface PgBin {
  dir: string;
  major: number;
  /** Full version string, e.g. "15.18". */
  version: string;
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Every candidate bin directory, in order of preference: RECOVERABLE_PG_BIN, pg_config, Debian layout. */
export function candidateBinDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const dir of (env.RECOVERABLE_PG_BIN ?? '').split(':')) if (dir) dirs.push(dir);
  try {
    dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH: fine, look elsewhere
  }
  if (existsSync(DEBIAN_ROOT)) {
    for (const major of readdirSync(DEBIAN_ROOT).sort((a, b) => Number(b) - Number(a))) dirs.push(join(DEBIAN_ROOT, major, 'bin'));
  }
  return [...new Set(dirs)];
}

// Ask a bin dir's postgres (or pg_dump when there is no server) what version it is.
function probe(dir: string): PgBin | null {
  for (const tool of ['postgres', 'pg_ctl', 'pg_dump']) {
    const file = join(dir, tool);
    if (!existsSync(file)) continue;
    try {
      const out = execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const match = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(out);
      if (match) return { dir, major: Number(match[1]), version: `${match[1]}.${match[2] ?? '0'}` };
    } catch {
      // not runnable here: skip it
    }
  }
  return null;
}

const discovered = new Map<string, PgBin[]>();

/** All usable PostgreSQL installations, newest major first, one per major (probed once per search path). */
export function discoverBinaries(env: NodeJS.ProcessEnv = process.env): PgBin[] {
  const key = `${env.RECOVERABLE_PG_BIN ?? ''}\0${env.PATH ?? ''}`;
  const cached = discovered.get(key);
  if (cached) return cached;
  const found = new Map<number, PgBin>();
  for (const dir of candidateBinDirs(env)) {
    const bin = probe(dir);
    if (bin && !found.has(bin.major)) found.set(bin.major, bin);
  }
  const result = [...found.values()].sort((a, b) => b.major - a.major);
  discovered.set(key, result);
  return result;
}

/** The binaries of one major, with every tool a drill needs; exit 3 with what to install otherwise. */
export function requireBinaries(major: number, tools: readonly string[], env: NodeJS.ProcessEnv = process.env): PgBin {
  const all = discoverBinaries(env);
  const bin = all.find((b) => b.major === major);
  const install = `install PostgreSQL ${major} (Debian/Ubuntu: apt-get install postgresql-${major} postgresql-contrib) or set RECOVERABLE_PG_BIN to its bin directory`;
  if (!bin) {
    const seen = all.length ? `found only: ${all.map((b) => `${b.major} (${b.dir})`).join(', ')}` : `found none in: ${candidateBinDirs(env).join(', ') || 'PATH'}`;
    throw new EnvironmentError('binaries-missing', `PostgreSQL ${major} binaries are not installed: ${seen}`, { hint: install });
  }
  const missing = tools.filter((tool) => !existsSync(join(bin.dir, tool)));
  if (missing.length) {
    throw new EnvironmentError('binaries-missing', `PostgreSQL ${major} in ${bin.dir} lacks ${missing.join(', ')}`, { hint: install });
  }
  return bin;
}

/** Path of one tool in a bin dir. */
export function tool(bin: PgBin, name: string): string {
  return join(bin.dir, name);
}
