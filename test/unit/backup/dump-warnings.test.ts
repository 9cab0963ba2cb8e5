import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toolWarnings } from '../../../src/backup/dump.ts';
import { dumpLeftOutCheck } from '../../../src/drill/restore-dump-target.ts';

test("pg_dump's and pg_dumpall's warnings are kept in their words, once each, nothing else", () => {
  const stderr = [
    'pg_dump: warning: subscriptions not dumped because current user is not a superuser',
    'pg_dump: warning: subscriptions not dumped because current user is not a superuser',
    'pg_dump: error: something else',
    'pg_dumpall: warning: could not read role passwords',
    'pg_dump: detail: a detail line',
  ].join('\n');
  assert.deepEqual(toolWarnings(stderr), [
    'pg_dump: subscriptions not dumped because current user is not a superuser',
    'pg_dumpall: could not read role passwords',
  ]);
});

test('a warning that something was not dumped fails the backup; other warnings pass, quoted', () => {
  const leftOut = dumpLeftOutCheck([
    'pg_dump: there are circular foreign-key constraints on this table:',
    'pg_dump: subscriptions not dumped because current user is not a superuser',
  ]);
  assert.equal(leftOut.status, 'failed');
  assert.deepEqual(leftOut.actual, ['pg_dump: subscriptions not dumped because current user is not a superuser']);
  const benign = dumpLeftOutCheck(['pg_dump: there are circular foreign-key constraints on this table:']);
  assert.equal(benign.status, 'passed');
  assert.match(benign.message, /circular foreign-key constraints/);
});
