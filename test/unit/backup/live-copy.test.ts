import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, mkdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyLiveTree, vanished } from '../../../src/backup/snapshot/live-copy.ts';
import { keepInBackup, keepInTablespaceBackup } from '../../../src/backup/snapshot/drivers.ts';

async function tree(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; from: string }> {
  const root = await mkdtemp(join(tmpdir(), 'live-copy-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const from = join(root, 'from');
  await mkdir(join(from, 'base', '5'), { recursive: true, mode: 0o700 });
  await writeFile(join(from, 'PG_VERSION'), '15\n', { mode: 0o600 });
  await writeFile(join(from, 'base', '5', '1259'), 'relation', { mode: 0o600 });
  await writeFile(join(from, 'base', '5', '2619'), 'statistic', { mode: 0o640 });
  await mkdir(join(from, 'pg_tblspc'));
  await symlink('/somewhere/else', join(from, 'pg_tblspc', '16384'));
  await utimes(join(from, 'base', '5', '1259'), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
  return { root, from };
}

test('a live copy keeps contents, modes, timestamps and symlinks as written, and leaves out what the filter refuses', async (t) => {
  const { root, from } = await tree(t);
  const to = join(root, 'to');
  const gone = await copyLiveTree(from, to, (relative) => relative !== join('base', '5', '2619'));
  assert.equal(gone, 0);
  assert.equal(await readFile(join(to, 'base', '5', '1259'), 'utf8'), 'relation');
  assert.equal((await stat(join(to, 'base', '5', '1259'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(to, 'base', '5', '1259'))).mtime.toISOString(), '2026-01-02T03:04:05.000Z');
  assert.equal((await stat(join(to, 'base'))).mode & 0o777, 0o700);
  assert.equal(await readlink(join(to, 'pg_tblspc', '16384')), '/somewhere/else');
  assert.equal(existsSync(join(to, 'base', '5', '2619')), false);
});

test('a file or directory the server removes during the copy is left out and counted; the rest is copied', async (t) => {
  const { root, from } = await tree(t);
  // The filter runs after the listing and before the entry is read: removing the entry there is the server removing it.
  const again = join(root, 'again');
  const counted = await copyLiveTree(from, again, (relative) => {
    if (relative === join('base', '5', '1259') || relative === 'pg_tblspc')
      rmSync(join(from, relative), { recursive: true, force: true });
    return true;
  });
  assert.equal(counted, 2);
  assert.equal(existsSync(join(again, 'base', '5', '1259')), false);
  assert.equal(existsSync(join(again, 'pg_tblspc')), false);
  assert.equal(await readFile(join(again, 'PG_VERSION'), 'utf8'), '15\n');
});

test('any other failure stops the copy: a target that already exists is not written into', async (t) => {
  const { root, from } = await tree(t);
  const to = join(root, 'to');
  await mkdir(to);
  await assert.rejects(
    copyLiveTree(from, to, () => true),
    { code: 'EEXIST' },
  );
  await assert.rejects(
    copyLiveTree(join(root, 'missing'), join(root, 'other'), () => true),
    { code: 'ENOENT' },
  );
});

test('a backup copied from the running server leaves out what pg_basebackup leaves out', () => {
  for (const left of [
    'postmaster.pid',
    'backup_label',
    'tablespace_map',
    'backup_manifest',
    'postgresql.auto.conf.tmp',
    join('global', 'pg_internal.init'),
    join('base', '5', 'pg_internal.init'),
    join('base', '5', 'pg_internal.init.4242'),
    join('base', 'pgsql_tmp'),
    join('pg_wal', '000000010000000000000001'),
    join('pg_stat_tmp', 'global.stat'),
  ])
    assert.equal(keepInBackup(left), false, left);
  for (const kept of [
    'PG_VERSION',
    'postgresql.auto.conf',
    join('base', '5', '1259'),
    join('pg_wal', 'archive_status'),
    'pg_wal',
  ])
    assert.equal(keepInBackup(kept), true, kept);
  assert.equal(keepInTablespaceBackup(join('PG_15_202209061', 'pgsql_tmp')), false);
  assert.equal(keepInTablespaceBackup(join('PG_15_202209061', '5', 'pg_internal.init')), false);
  assert.equal(keepInTablespaceBackup(join('PG_15_202209061', '5', '16390')), true);
});

test('only a source that is really gone has vanished: copyFile names the source for a missing target directory too', async (t) => {
  const { root, from } = await tree(t);
  const source = join(from, 'PG_VERSION');
  const missingTarget = await copyFile(source, join(root, 'no-such-dir', 'PG_VERSION')).catch(
    (error: unknown) => error,
  );
  assert.equal((missingTarget as NodeJS.ErrnoException).code, 'ENOENT');
  assert.equal((missingTarget as NodeJS.ErrnoException).path, source);
  assert.equal(vanished(missingTarget, source), false);
  const gone = join(from, 'gone');
  const missingSource = await copyFile(gone, join(root, 'copy')).catch((error: unknown) => error);
  assert.equal(vanished(missingSource, gone), true);
  assert.equal(vanished(missingSource, source), false, 'another path');
});
