// Binary discovery against fake install trees shaped like each platform's layout, with this machine's real binaries linked in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, symlink, writeFile, copyFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBinaries, discoverInstallations, requireBinaries } from '../../../src/env/binaries.ts';
import { SEARCH_ORDER } from '../../../src/env/bin-layouts.ts';
import { EnvironmentError, ExitCode } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const REAL = '/usr/lib/postgresql/15/bin';
const TOOLS = ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_basebackup'];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'recoverable-discovery-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// A bin directory of real PostgreSQL 15 tools, linked in.
async function realBin(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of TOOLS) await symlink(join(REAL, name), join(dir, name));
  return dir;
}

// A bin directory whose postgres claims another major (to prove newest-first within a layout).
async function claimedBin(dir: string, version: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`);
  await chmod(join(dir, 'postgres'), 0o755);
  return dir;
}

// An environment whose search sees only the tree under `root` and the given PATH.
function envFor(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { RECOVERABLE_PG_SEARCH_ROOT: root, PATH: '', ...extra };
}

// One fresh tree per test.
async function tree(name: string): Promise<string> {
  const root = join(tmp, name);
  await mkdir(root, { recursive: true });
  return root;
}

const layouts: Array<[string, string, (root: string) => string]> = [
  ['debian', 'debian', (root) => join(root, 'usr/lib/postgresql/15/bin')],
  ['RHEL/PGDG', 'rhel', (root) => join(root, 'usr/pgsql-15/bin')],
  ['Homebrew on Apple silicon', 'homebrew', (root) => join(root, 'opt/homebrew/opt/postgresql@15/bin')],
  ['Homebrew on Intel', 'homebrew', (root) => join(root, 'usr/local/opt/postgresql@15/bin')],
  ['Homebrew unversioned keg', 'homebrew', (root) => join(root, 'opt/homebrew/opt/postgresql/bin')],
  ['Postgres.app', 'postgres.app', (root) => join(root, 'Applications/Postgres.app/Contents/Versions/15/bin')],
];

for (const [label, via, place] of layouts) {
  test(`a ${label} layout is found with its major and every tool`, async () => {
    const root = await tree(label.replace(/\W+/g, '-'));
    const dir = await realBin(place(root));
    const bin = requireBinaries(15, TOOLS, envFor(root));
    assert.deepEqual([bin.dir, bin.major, bin.via], [dir, 15, via]);
    assert.match(bin.version, /^15\.\d+$/);
  });
}

test('HOMEBREW_PREFIX names a prefix outside the default ones', async () => {
  const root = await tree('brew-prefix');
  const dir = await realBin(join(tmp, 'brew-elsewhere/opt/postgresql@15/bin'));
  const bin = requireBinaries(15, TOOLS, envFor(root, { HOMEBREW_PREFIX: join(tmp, 'brew-elsewhere') }));
  assert.deepEqual([bin.dir, bin.via], [dir, 'homebrew']);
});

test('a PATH entry is followed to the installation its postgres links to; a copied client on PATH counts by itself', async () => {
  const root = await tree('path');
  const linked = join(root, 'linked');
  await mkdir(linked);
  await symlink(join(REAL, 'postgres'), join(linked, 'postgres'));
  const linkedBin = requireBinaries(15, TOOLS, envFor(root, { PATH: linked }));
  assert.deepEqual([linkedBin.dir, linkedBin.via], [REAL, 'PATH']);
  const copied = join(root, 'copied');
  await mkdir(copied);
  await copyFile(join(REAL, 'pg_dump'), join(copied, 'pg_dump'));
  await chmod(join(copied, 'pg_dump'), 0o755);
  const [client] = discoverBinaries(envFor(root, { PATH: copied }));
  assert.deepEqual([client?.dir, client?.major, client?.via], [copied, 15, 'PATH']);
  assert.throws(
    () => requireBinaries(15, ['initdb'], envFor(root, { PATH: copied })),
    /PostgreSQL 15 in .*copied \(found through PATH\) lacks initdb/,
  );
});

test("Debian's pg_wrapper on PATH is a dispatcher, not an installation", async () => {
  const root = await tree('wrapper');
  const dir = join(root, 'bin');
  await mkdir(dir);
  await symlink('/usr/share/postgresql-common/pg_wrapper', join(dir, 'pg_dump'));
  assert.deepEqual(discoverInstallations(envFor(root, { PATH: dir })), []);
});

test('pg_config on PATH names its bin directory', async () => {
  const root = await tree('pg-config');
  const dir = await realBin(join(root, 'custom/build/bin'));
  const path = join(root, 'path');
  await mkdir(path);
  await writeFile(join(path, 'pg_config'), `#!/bin/sh\n[ "$1" = --bindir ] && echo ${dir}\n`);
  await chmod(join(path, 'pg_config'), 0o755);
  const bin = requireBinaries(15, TOOLS, envFor(root, { PATH: path }));
  assert.deepEqual([bin.dir, bin.via], [dir, 'pg_config']);
});

test('every layout holding the same major: found in the documented order, the first one used', async () => {
  const root = await tree('order');
  const explicit = await realBin(join(root, 'explicit/bin'));
  const configured = await realBin(join(root, 'configured/bin'));
  const path = join(root, 'path');
  await mkdir(path);
  await writeFile(join(path, 'pg_config'), `#!/bin/sh\necho ${configured}\n`);
  await chmod(join(path, 'pg_config'), 0o755);
  await symlink(join(REAL, 'postgres'), join(path, 'postgres'));
  for (const [, , place] of layouts) await realBin(place(root));
  const env = envFor(root, { PATH: path, RECOVERABLE_PG_BIN: explicit });
  const found = discoverInstallations(env);
  assert.ok(
    found.every((bin) => bin.major === 15),
    'each reads its major from --version',
  );
  const order = [...new Set(found.map((bin) => bin.via))];
  assert.deepEqual(order, SEARCH_ORDER);
  assert.deepEqual(
    found.map((bin) => bin.dir),
    [
      explicit,
      configured,
      join(root, 'usr/lib/postgresql/15/bin'),
      join(root, 'usr/pgsql-15/bin'),
      join(root, 'opt/homebrew/opt/postgresql@15/bin'),
      join(root, 'opt/homebrew/opt/postgresql/bin'),
      join(root, 'usr/local/opt/postgresql@15/bin'),
      join(root, 'Applications/Postgres.app/Contents/Versions/15/bin'),
      REAL,
    ],
  );
  assert.equal(discoverBinaries(env)[0]?.dir, explicit);
});

test('within a layout the newest major comes first, and each major is reported once', async () => {
  const root = await tree('majors');
  await realBin(join(root, 'usr/pgsql-15/bin'));
  await claimedBin(join(root, 'usr/pgsql-16/bin'), '16.4');
  await claimedBin(join(root, 'usr/lib/postgresql/16/bin'), '16.2');
  const env = envFor(root);
  assert.deepEqual(
    discoverInstallations(env).map((bin) => [bin.major, bin.via]),
    [
      [16, 'debian'],
      [16, 'rhel'],
      [15, 'rhel'],
    ],
  );
  assert.deepEqual(
    discoverBinaries(env).map((bin) => [bin.major, bin.version, bin.via]),
    [
      [16, '16.2', 'debian'],
      [15, bin15(env), 'rhel'],
    ],
  );
});

function bin15(env: NodeJS.ProcessEnv): string {
  return requireBinaries(15, [], env).version;
}

test('nothing installed: exit 3 naming every place searched and how to fix it', async () => {
  const root = await tree('empty');
  const error = (() => {
    try {
      requireBinaries(15, TOOLS, envFor(root));
    } catch (caught) {
      return caught;
    }
    return null;
  })();
  assert.ok(error instanceof EnvironmentError);
  assert.equal(exitCodeOf(error.category), ExitCode.environment);
  assert.match(
    error.message,
    /PostgreSQL 15 binaries are not installed: found none; searched RECOVERABLE_PG_BIN \(unset\), pg_config --bindir, .*usr\/lib\/postgresql\/N\/bin, .*usr\/pgsql-N\/bin, .*opt\/homebrew\/opt\/postgresql@N\/bin, .*Postgres\.app\/Contents\/Versions\/N\/bin, PATH/,
  );
  assert.match(
    error.hint ?? '',
    /apt-get install postgresql-15.*brew install postgresql@15.*RECOVERABLE_PG_BIN.*--environment docker/,
  );
});
