import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareLargeObjectMetadata, compareTablespaces } from '../../../src/expectations/cluster-objects-compare.ts';
import type { LargeObjectMetadata, TablespaceExpectation } from '../../../src/expectations/cluster-objects.ts';

const LO: LargeObjectMetadata = {
  oid: '424242',
  owner: 'lo_owner',
  acl: 'app_user=rw/lo_owner lo_owner=rw/lo_owner',
  comment: 'invoice scan',
};
const TS: TablespaceExpectation = {
  name: 'ts1',
  owner: 'postgres',
  acl: 'app_user=C/postgres postgres=C/postgres',
  options: 'random_page_cost=1.1',
  comment: 'fast disk',
};
const options = { exactness: 'exact' as const, durationMs: 1 };

test("large objects' owner, privileges and comment are compared one by one, naming the object and both sides", () => {
  assert.equal(compareLargeObjectMetadata([LO], [{ ...LO }], options).status, 'passed');
  const changed = compareLargeObjectMetadata([LO], [{ ...LO, owner: 'postgres', comment: null }], options);
  assert.equal(changed.status, 'failed');
  assert.equal(changed.id, 'large-objects:metadata');
  assert.match(
    changed.message,
    /large object 424242: comment: backup "invoice scan", restored \(none\); owner: backup "lo_owner", restored "postgres"/,
  );
  // Reset to the defaults it drops out of the restored list: still named.
  const reset = compareLargeObjectMetadata([LO], [], options);
  assert.match(reset.message, /large object 424242: presence: backup present, restored absent/);
  const granted = compareLargeObjectMetadata([], [{ ...LO, oid: '7' }], options);
  assert.match(granted.message, /large object 7: presence: backup absent, restored present/);
});

test('a restore told not to bring owners back compares only comments of large objects', () => {
  const noOwner = { ...options, notRestored: { owners: true } };
  const owned = compareLargeObjectMetadata([LO], [{ ...LO, owner: 'postgres', acl: '' }], noOwner);
  assert.equal(owned.status, 'passed', owned.message);
  assert.match(owned.message, /owners and privileges not compared/);
  const lost = compareLargeObjectMetadata([LO], [{ ...LO, owner: 'postgres', comment: 'other' }], noOwner);
  assert.equal(lost.status, 'failed');
  assert.match(lost.message, /large object 424242: comment: backup "invoice scan", restored "other"/);
  const noPrivileges = { ...options, notRestored: { privileges: true } };
  assert.equal(compareLargeObjectMetadata([LO], [{ ...LO, acl: '' }], noPrivileges).status, 'passed');
  assert.equal(compareLargeObjectMetadata([LO], [{ ...LO, owner: 'x' }], noPrivileges).status, 'failed');
});

test("tablespaces' owner, privileges, options and comment are compared, naming the tablespace", () => {
  assert.equal(compareTablespaces([TS], [{ ...TS }], options).status, 'passed');
  const changed = compareTablespaces(
    [TS],
    [{ ...TS, owner: 'app_user', acl: 'app_user=C/app_user', options: '', comment: null }],
    options,
  );
  assert.equal(changed.status, 'failed');
  assert.equal(changed.id, 'tablespaces');
  for (const part of [
    'tablespace ts1: owner: backup "postgres", restored "app_user"',
    'acl: backup "app_user=C/postgres postgres=C/postgres", restored "app_user=C/app_user"',
    'options: backup "random_page_cost=1.1", restored (none)',
    'comment: backup "fast disk", restored (none)',
  ])
    assert.ok(changed.message.includes(part), `${part} in ${changed.message}`);
  assert.match(
    compareTablespaces([TS], [], options).message,
    /tablespace ts1: presence: backup present, restored absent/,
  );
});
