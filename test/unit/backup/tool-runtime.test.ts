// Which installed tools may back up a server: at least its major, every tool present, closest to the wanted major.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackupTools, socketDirectories } from '../../../src/backup/tool-runtime.ts';
import type { PgBin } from '../../../src/env/binaries.ts';

async function fakeInstall(root: string, major: number, tools: string[]): Promise<PgBin> {
  const dir = join(root, String(major), 'bin');
  await mkdir(dir, { recursive: true });
  for (const tool of tools) await writeFile(join(dir, tool), '');
  return { dir, major, version: `${major}.1`, via: 'RECOVERABLE_PG_BIN' };
}

test('older tools never read a newer server; the closest qualifying major wins; a bin dir lacking a tool does not count', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tools-'));
  try {
    const installed = [
      await fakeInstall(root, 18, ['pg_dump', 'pg_dumpall']),
      await fakeInstall(root, 16, ['pg_dump']),
      await fakeInstall(root, 15, ['pg_dump', 'pg_dumpall']),
      await fakeInstall(root, 13, ['pg_dump', 'pg_dumpall']),
    ];
    const tools = ['pg_dump', 'pg_dumpall'];
    assert.equal(localBackupTools({ sourceMajor: 15, wanted: 15, tools }, installed)?.major, 15);
    assert.equal(
      localBackupTools({ sourceMajor: 16, wanted: 16, tools }, installed)?.major,
      18,
      '16 lacks pg_dumpall: 18 reads a 16 server',
    );
    assert.equal(
      localBackupTools({ sourceMajor: 14, wanted: 14, tools }, installed)?.major,
      15,
      'never 13 for a 14 server',
    );
    assert.equal(
      localBackupTools({ sourceMajor: 15, wanted: 17, tools }, installed)?.major,
      18,
      'the closest to the wanted major: 18 is 1 away, 15 is 2',
    );
    assert.equal(
      localBackupTools({ sourceMajor: 18, wanted: 18, tools: ['pg_basebackup'] }, installed),
      null,
      'no pg_basebackup here: a container is needed',
    );
    assert.equal(localBackupTools({ sourceMajor: 15, wanted: 15, tools }, []), null);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('socket directories are read from both spellings of a connection string; TCP hosts are not directories', () => {
  assert.deepEqual(socketDirectories('host=/run/postgresql port=5432 dbname=app'), ['/run/postgresql']);
  assert.deepEqual(socketDirectories('postgresql://u@/app?host=%2Ftmp%2Fsock&port=5433'), ['/tmp/sock']);
  assert.deepEqual(socketDirectories('postgresql://u:p@127.0.0.1:5432/app'), []);
});
