import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandArchiveCommand } from '../../../src/selftest/inject/archive-command.ts';
import { archiveCommand, containerArchiveCommand } from '../../../src/source/archive-command.ts';

test('%p and %f are replaced as the server does, %% becomes a single percent sign', () => {
  assert.equal(expandArchiveCommand("cp %p '/wal/100%%/%f'", 'pg_wal/0001', '0001'), "cp pg_wal/0001 '/wal/100%/0001'");
});

test("the managed source's archive commands are expanded with the file and its name and nothing else", () => {
  const local = expandArchiveCommand(archiveCommand('/repo/a%b', '7'), '/tmp/impostor', '000000010000000000000003');
  assert.match(local, / archive-wal \/tmp\/impostor 000000010000000000000003 --repository '\/repo\/a%b' --system 7$/);
  const container = expandArchiveCommand(
    containerArchiveCommand('/repo', '7'),
    '/tmp/impostor',
    '000000010000000000000003',
  );
  assert.doesNotMatch(container, /%[pf]/);
  assert.match(container, /\[ -f '\/repo\/wal\/7\/000000010000000000000003' \]/);
});
