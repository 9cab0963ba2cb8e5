import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amcheckPattern,
  amcheckPlan,
  describePrepared,
  type PreparedTransaction,
  type RelationLock,
} from '../../../src/checks/prepared-transactions.ts';
import { findingBlocks } from '../../../src/checks/amcheck.ts';

const lock = (name: string, mode: string, indexes: string[] = [`${name}_pkey`], kind = 'r'): RelationLock => ({
  schema: 'public',
  name,
  kind,
  mode,
  btreeIndexes: indexes.map((i) => ({ schema: 'public', name: i })),
});
const xact = (gid: string, ...locks: RelationLock[]): PreparedTransaction => ({
  gid,
  database: 'app',
  owner: 'postgres',
  prepared: '2026-12-02 18:00:00+00',
  locks,
});

test('no prepared transaction: nothing changes', () => {
  assert.deepEqual(amcheckPlan([]), { unreadable: [], childCheckOnly: [] });
});

test("a prepared insert's RowExclusiveLock sends its table's indexes to bt_index_check, the rest keeps --parent-check", () => {
  const plan = amcheckPlan([xact('pending', lock('t', 'RowExclusiveLock', ['t_pkey', 't_v_idx']))]);
  assert.deepEqual(plan.childCheckOnly, [
    { schema: 'public', name: 't_pkey' },
    { schema: 'public', name: 't_v_idx' },
  ]);
  assert.deepEqual(plan.unreadable, []);
});

test('locks compatible with ShareLock (AccessShare, RowShare, Share) change nothing', () => {
  for (const mode of ['AccessShareLock', 'RowShareLock', 'ShareLock'])
    assert.deepEqual(amcheckPlan([xact('reader', lock('t', mode))]), {
      unreadable: [],
      childCheckOnly: [],
    });
});

test('every mode that conflicts with ShareLock short of ACCESS EXCLUSIVE means bt_index_check', () => {
  for (const mode of ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock'])
    assert.deepEqual(amcheckPlan([xact('x', lock('t', mode))]).childCheckOnly, [{ schema: 'public', name: 't_pkey' }]);
});

test('ACCESS EXCLUSIVE (a prepared DDL) leaves the relation and its indexes unchecked, named with the gid', () => {
  const plan = amcheckPlan([
    xact('ddl', lock('u', 'AccessExclusiveLock', ['u_pkey'])),
    // The same index reached through a weaker lock of another transaction is still not read.
    xact('other', lock('u_pkey', 'RowExclusiveLock', ['u_pkey'], 'i')),
  ]);
  assert.deepEqual(plan.unreadable, [
    {
      schema: 'public',
      name: 'u',
      kind: 'r',
      gid: 'ddl',
      mode: 'AccessExclusiveLock',
      btreeIndexes: [{ schema: 'public', name: 'u_pkey' }],
    },
  ]);
  assert.deepEqual(plan.childCheckOnly, []);
});

test('an index held by two transactions is listed once', () => {
  const plan = amcheckPlan([xact('a', lock('t', 'RowExclusiveLock')), xact('b', lock('t', 'RowExclusiveLock'))]);
  assert.deepEqual(plan.childCheckOnly, [{ schema: 'public', name: 't_pkey' }]);
});

test('a lock on a table without btree indexes changes no check', () => {
  assert.deepEqual(amcheckPlan([xact('p', lock('h', 'RowExclusiveLock', []))]), {
    unreadable: [],
    childCheckOnly: [],
  });
});

test('a pg_amcheck pattern double-quotes each part, so dots, wildcards and quotes are literal', () => {
  assert.equal(amcheckPattern({ schema: 'public', name: 't_pkey' }), '"public"."t_pkey"');
  assert.equal(amcheckPattern({ schema: 'we.ird', name: 'a*"b?' }), '"we.ird"."a*""b?"');
});

test('prepared transactions are described by gid, database, owner and time', () => {
  assert.equal(
    describePrepared([xact('pending'), xact("it's")]),
    "'pending' (in database app, by postgres, prepared 2026-12-02 18:00:00+00), 'it's' (in database app, by postgres, prepared 2026-12-02 18:00:00+00)",
  );
});

test("pg_amcheck's report splits into one finding per heading, NOTICEs dropped", () => {
  const output = `btree index "app.public.t_pkey":
    ERROR:  canceling statement due to lock timeout
heap table "app.public.u", block 0, offset 3:
    xmin 12 precedes relation freezing threshold 0:99
NOTICE:  extension "amcheck" already exists, skipping
`;
  assert.deepEqual(findingBlocks(output), [
    'btree index "app.public.t_pkey": ERROR:  canceling statement due to lock timeout',
    'heap table "app.public.u", block 0, offset 3: xmin 12 precedes relation freezing threshold 0:99',
  ]);
});
