// Where PostgreSQL installs its binaries on the platforms users run: the places searched, in order.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** How a candidate bin directory was found: the layout's name as `doctor` prints it. */
export type BinSource = 'RECOVERABLE_PG_BIN' | 'pg_config' | 'debian' | 'rhel' | 'homebrew' | 'postgres.app' | 'PATH';

/** One directory that may hold PostgreSQL binaries, and the layout that named it. */
export interface BinCandidate {
  dir: string;
  via: BinSource;
}

/** The search order, as documented in the README. */
export const SEARCH_ORDER: readonly BinSource[] = [
  'RECOVERABLE_PG_BIN',
  'pg_config',
  'debian',
  'rhel',
  'homebrew',
  'postgres.app',
  'PATH',
];

// Fixed layouts are looked up under this root: `/` normally, a fake tree in tests or a chroot.
function searchRoot(env: NodeJS.ProcessEnv): string {
  return env.RECOVERABLE_PG_SEARCH_ROOT || '/';
}

// The directories on PATH, in order.
function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(':').filter(Boolean);
}

// Subdirectories of `parent` named `<prefix><major>` (or exactly `bare`), newest major first; non-numeric ones (Postgres.app's "latest") last.
function versionedDirs(parent: string, prefix: string): string[] {
  if (!existsSync(parent)) return [];
  const majorOf = (name: string): number => {
    const rest = name.slice(prefix.length);
    return /^\d+(\.\d+)?$/.test(rest) ? Number(rest) : -1;
  };
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    // unreadable to this user: it names nothing
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => majorOf(b) - majorOf(a))
    .map((name) => join(parent, name));
}

// `pg_config --bindir` of the first pg_config on PATH.
function pgConfigBindir(env: NodeJS.ProcessEnv): string[] {
  const pgConfig = pathDirs(env)
    .map((dir) => join(dir, 'pg_config'))
    .find((file) => existsSync(file));
  if (!pgConfig) return [];
  try {
    const out = execFileSync(pgConfig, ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { PATH: env.PATH ?? '' },
    }).trim();
    return out ? [out] : [];
  } catch {
    // a pg_config that cannot answer names nothing
    return [];
  }
}

// Homebrew prefixes: HOMEBREW_PREFIX, then Apple silicon's and Intel's defaults, then Linuxbrew's.
function homebrewPrefixes(env: NodeJS.ProcessEnv): string[] {
  const root = searchRoot(env);
  return [
    ...(env.HOMEBREW_PREFIX ? [env.HOMEBREW_PREFIX] : []),
    join(root, 'opt/homebrew'),
    join(root, 'usr/local'),
    join(root, 'home/linuxbrew/.linuxbrew'),
  ];
}

// The real bin directory behind a PATH entry's postgres or pg_dump; Debian's pg_wrapper is a dispatcher, not an installation.
function pathInstallation(dir: string): string | null {
  for (const name of ['postgres', 'pg_dump']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      // a link this user may not follow: not an installation it can run
      continue;
    }
    if (basename(real) === 'pg_wrapper') continue;
    return dirname(real);
  }
  return null;
}

/** Every candidate bin directory, in {@link SEARCH_ORDER}, each directory once. */
export function binCandidates(env: NodeJS.ProcessEnv = process.env): BinCandidate[] {
  const root = searchRoot(env);
  const candidates: BinCandidate[] = [
    ...(env.RECOVERABLE_PG_BIN ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => ({ dir, via: 'RECOVERABLE_PG_BIN' as const })),
    ...pgConfigBindir(env).map((dir) => ({ dir, via: 'pg_config' as const })),
    ...versionedDirs(join(root, 'usr/lib/postgresql'), '').map((dir) => ({
      dir: join(dir, 'bin'),
      via: 'debian' as const,
    })),
    ...versionedDirs(join(root, 'usr'), 'pgsql-').map((dir) => ({ dir: join(dir, 'bin'), via: 'rhel' as const })),
    ...homebrewPrefixes(env)
      .flatMap((prefix) => [
        ...versionedDirs(join(prefix, 'opt'), 'postgresql@'),
        ...(existsSync(join(prefix, 'opt/postgresql')) ? [join(prefix, 'opt/postgresql')] : []),
      ])
      .map((keg) => ({ dir: join(keg, 'bin'), via: 'homebrew' as const })),
    ...versionedDirs(join(root, 'Applications/Postgres.app/Contents/Versions'), '').map((dir) => ({
      dir: join(dir, 'bin'),
      via: 'postgres.app' as const,
    })),
    ...pathDirs(env).flatMap((dir) => {
      const real = pathInstallation(dir);
      return real ? [{ dir: real, via: 'PATH' as const }] : [];
    }),
  ];
  const seen = new Set<string>();
  return candidates.filter((candidate) => !seen.has(candidate.dir) && seen.add(candidate.dir));
}

/** What was searched, for error messages and `doctor`: the layouts in order, and the root when it is not `/`. */
export function searchedPlaces(env: NodeJS.ProcessEnv = process.env): string {
  const root = searchRoot(env);
  const under = (path: string): string => join(root, path);
  const places = [
    `RECOVERABLE_PG_BIN (${env.RECOVERABLE_PG_BIN || 'unset'})`,
    'pg_config --bindir',
    under('usr/lib/postgresql/N/bin'),
    under('usr/pgsql-N/bin'),
    ...homebrewPrefixes(env).map((prefix) => join(prefix, 'opt/postgresql@N/bin')),
    under('Applications/Postgres.app/Contents/Versions/N/bin'),
    'PATH',
  ];
  return places.join(', ');
}
