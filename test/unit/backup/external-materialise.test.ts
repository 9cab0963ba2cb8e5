import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  controlSystemIdentifier,
  externalWalCommand,
  tablespacesOutside,
} from '../../../src/backup/external/materialise.ts';
import { archivedThrough } from '../../../src/backup/external/source-archived.ts';

test("pg_control's first eight bytes are the system identifier, little-endian; a short file has none", () => {
  const control = Buffer.alloc(16);
  control.writeBigUInt64LE(7445918513094180875n, 0);
  assert.equal(controlSystemIdentifier(control), '7445918513094180875');
  assert.equal(controlSystemIdentifier(Buffer.alloc(4)), null);
});

test('the restore_command exports RECOVERABLE_PGDATA quoted for sh, with % doubled for PostgreSQL', () => {
  const command = externalWalCommand(
    'pgbackrest --pg1-path="$RECOVERABLE_PGDATA" archive-get %f "%p"',
    "/w/it's 100%/data",
  );
  assert.equal(
    command,
    `export RECOVERABLE_PGDATA='/w/it'\\''s 100%%/data'; pgbackrest --pg1-path="$RECOVERABLE_PGDATA" archive-get %f "%p"`,
  );
  // What sh sees once PostgreSQL has replaced %% by %: the path exactly.
  const echoed = execFileSync(
    'sh',
    ['-c', externalWalCommand('printf %s "$RECOVERABLE_PGDATA"', "/w/it's 100%/data").replace(/%%/g, '%')],
    { encoding: 'utf8' },
  );
  assert.equal(echoed, "/w/it's 100%/data");
});

test('a segment counts as archived only when pg_stat_archiver names it or a later segment, never a history file', () => {
  const state = (lastArchived: string | null) => ({ lastArchived, lastFailed: null, failedAfterArchived: false });
  assert.equal(archivedThrough(state('000000010000000000000004'), '000000010000000000000004'), true);
  assert.equal(archivedThrough(state('000000010000000000000005'), '000000010000000000000004'), true);
  assert.equal(archivedThrough(state('000000010000000000000003'), '000000010000000000000004'), false);
  assert.equal(archivedThrough(state('00000002.history'), '000000010000000000000004'), false);
  assert.equal(archivedThrough(state(null), '000000010000000000000004'), false);
});

test("a tablespace restored inside the restore's directory passes; one at the source's location, through a link of links, or missing does not", async () => {
  const root = await mkdtemp(join(tmpdir(), 'recoverable-tblspc-'));
  try {
    const restore = join(root, 'restore');
    const data = join(restore, 'data');
    await mkdir(join(data, 'pg_tblspc'), { recursive: true });
    assert.deepEqual(await tablespacesOutside(data, restore), []);
    await mkdir(join(restore, 'tablespaces', 'far'), { recursive: true });
    await symlink(join(restore, 'tablespaces', 'far'), join(data, 'pg_tblspc', '16400'));
    assert.deepEqual(await tablespacesOutside(data, restore), []);
    // The source's own location, reached directly or through a link that sits inside the restore.
    const production = join(root, 'production-tablespace');
    await mkdir(production);
    await symlink(production, join(data, 'pg_tblspc', '16401'));
    await symlink(production, join(restore, 'tablespaces', 'sneaky'));
    await symlink(join(restore, 'tablespaces', 'sneaky'), join(data, 'pg_tblspc', '16402'));
    await symlink(join(root, 'gone'), join(data, 'pg_tblspc', '16403'));
    assert.deepEqual((await tablespacesOutside(data, restore)).sort(), [
      `16401 → ${production}`,
      `16402 → ${production}`,
      '16403 → (missing)',
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
