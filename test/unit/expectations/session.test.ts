// The session guards as options: which a server of each major gets, and how libpq is told them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SESSION_GUARDS,
  guardOptions,
  guardsFor,
  pinnedToolEnv,
  startupOptions,
} from '../../../src/expectations/session.ts';

test('every guard neutralises: timeouts off, writes allowed, read committed, no rows hidden by a policy', () => {
  assert.deepEqual(Object.fromEntries(SESSION_GUARDS.map((g) => [g.name, g.value])), {
    statement_timeout: '0',
    lock_timeout: '0',
    idle_in_transaction_session_timeout: '0',
    idle_session_timeout: '0',
    transaction_timeout: '0',
    default_transaction_read_only: 'off',
    default_transaction_isolation: 'read committed',
    row_security: 'off',
  });
});

test('a server gets only the guards its major knows', () => {
  const names = (major: number): string[] => guardsFor(major).map((g) => g.name);
  assert.ok(!names(13).includes('idle_session_timeout'));
  assert.ok(names(14).includes('idle_session_timeout'));
  assert.ok(!names(16).includes('transaction_timeout'));
  assert.ok(names(17).includes('transaction_timeout'));
  assert.equal(names(18).length, SESSION_GUARDS.length);
});

test('startup options escape the spaces and backslashes libpq splits on', () => {
  assert.equal(startupOptions({ DateStyle: 'ISO, YMD', odd: 'a\\b' }), '-c DateStyle=ISO,\\ YMD -c odd=a\\\\b');
  assert.match(guardOptions(15), /-c default_transaction_isolation=read\\ committed/);
  assert.doesNotMatch(guardOptions(15), /-c transaction_timeout=/);
});

test("a tool's environment carries the pinned settings and the guards of its major", () => {
  const env = pinnedToolEnv(17);
  assert.match(env.PGOPTIONS!, /^-c TimeZone=UTC .* -c statement_timeout=0 .*-c transaction_timeout=0/);
  assert.equal(env.PGTZ, 'default');
  assert.equal(env.PGDATESTYLE, 'default');
  // Without a major: what the oldest supported server knows, so no server refuses it.
  assert.equal(pinnedToolEnv().PGOPTIONS, pinnedToolEnv(13).PGOPTIONS);
  assert.doesNotMatch(pinnedToolEnv().PGOPTIONS!, /idle_session_timeout|-c transaction_timeout=/);
});
