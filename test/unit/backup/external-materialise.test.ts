import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { controlSystemIdentifier, externalWalCommand } from '../../../src/backup/external/materialise.ts';
import { archivedThrough } from '../../../src/backup/external/source-archived.ts';

test('pg_control\'s first eight bytes are the system identifier, little-endian; a short file has none', () => {
  const control = Buffer.alloc(16);
  control.writeBigUInt64LE(7445918513094180875n, 0);
  assert.equal(controlSystemIdentifier(control), '7445918513094180875');
  assert.equal(controlSystemIdentifier(Buffer.alloc(4)), null);
});

test('the restore_command exports RECOVERABLE_PGDATA quoted for sh, with % doubled for PostgreSQL', () => {
  const command = externalWalCommand('pgbackrest --pg1-path="$RECOVERABLE_PGDATA" archive-get %f "%p"', "/w/it's 100%/data");
  assert.equal(command, `export RECOVERABLE_PGDATA='/w/it'\\''s 100%%/data'; pgbackrest --pg1-path="$RECOVERABLE_PGDATA" archive-get %f "%p"`);
  // What sh sees once PostgreSQL has replaced %% by %: the path exactly.
  const echoed = execFileSync('sh', ['-c', externalWalCommand('printf %s "$RECOVERABLE_PGDATA"', "/w/it's 100%/data").replace(/%%/g, '%')], { encoding: 'utf8' });
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
