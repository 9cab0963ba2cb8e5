import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backupFunctions,
  dumpGrantFor,
  replicationGrantFor,
  snapshotGrantsMissing,
} from '../../../src/source/missing-grant.ts';

test('a dump refused a table, schema or sequence needs pg_read_all_data (14+), with the role quoted when it must be', () => {
  assert.deepEqual(
    dumpGrantFor('pg_dump: error: query failed: ERROR:  permission denied for table secret_keys', 'backup', 15),
    {
      refused: 'table secret_keys is not readable',
      grants: ['GRANT pg_read_all_data TO backup'],
    },
  );
  assert.deepEqual(dumpGrantFor('permission denied for schema audit', 'Backup Role', 16)?.grants, [
    'GRANT pg_read_all_data TO "Backup Role"',
  ]);
  assert.deepEqual(
    dumpGrantFor('permission denied for sequence shop.orders_id_seq', 'user', 15)?.grants,
    ['GRANT pg_read_all_data TO "user"'],
    'a keyword is quoted',
  );
  assert.match(
    dumpGrantFor('permission denied for table t', 'backup', 13)?.grants[0] ?? '',
    /GRANT SELECT ON ALL TABLES.*PostgreSQL 13 has no pg_read_all_data/,
  );
});

test('a large object and row-level security are named apart: pg_read_all_data covers neither', () => {
  const lo = dumpGrantFor(
    'pg_dump: error: could not open large object 910004: ERROR:  permission denied for large object 910004',
    'backup',
    15,
  );
  assert.equal(lo?.refused, 'large object 910004 is not readable (pg_read_all_data does not cover large objects)');
  assert.match(lo?.grants[0] ?? '', /^GRANT SELECT ON LARGE OBJECT 910004 TO backup \(each large object: /);
  const rls = dumpGrantFor(
    'ERROR:  query would be affected by row-level security policy for table "card_tokens"',
    'backup',
    15,
  );
  assert.deepEqual(rls, {
    refused: 'table card_tokens has row-level security, which pg_dump will not dump partially',
    grants: ['ALTER ROLE backup BYPASSRLS'],
  });
});

test('anything else is not a grant problem', () => {
  assert.equal(dumpGrantFor('could not import the requested snapshot', 'backup', 15), null);
  assert.equal(dumpGrantFor('relation "t" does not exist', 'backup', 15), null);
  assert.equal(replicationGrantFor('could not connect to server: Connection refused', 'backup'), null);
});

test('a basebackup refused a WAL sender needs REPLICATION (15 and 16+ wordings); pg_hba.conf is named when it refuses', () => {
  assert.deepEqual(
    replicationGrantFor('FATAL:  must be superuser or replication role to start walsender', 'rep')?.grants,
    ['ALTER ROLE rep REPLICATION'],
  );
  assert.deepEqual(
    replicationGrantFor(
      'FATAL:  permission denied to start WAL sender\nDETAIL:  Only roles with the REPLICATION attribute may start a WAL sender process.',
      'rep',
    )?.grants,
    ['ALTER ROLE rep REPLICATION'],
  );
  assert.match(
    replicationGrantFor(
      'FATAL:  no pg_hba.conf entry for replication connection from host "[local]", user "rep", no encryption',
      'rep',
    )?.grants[0] ?? '',
    /host replication rep /,
  );
});

test('a snapshot role: every missing grant, by the names of its major; none for a superuser or a role holding all', () => {
  const none = { superuser: false, start: false, stop: false, readAllSettings: false };
  assert.deepEqual(snapshotGrantsMissing(none, 'snap', 15), [
    'GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO snap',
    'GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO snap',
    'GRANT pg_read_all_settings TO snap',
  ]);
  assert.deepEqual(snapshotGrantsMissing({ ...none, start: true, readAllSettings: true }, 'snap', 15), [
    'GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO snap',
  ]);
  assert.deepEqual(snapshotGrantsMissing({ ...none, stop: true, readAllSettings: true }, 'snap', 14), [
    'GRANT EXECUTE ON FUNCTION pg_start_backup(text, boolean, boolean) TO snap',
  ]);
  assert.deepEqual(
    snapshotGrantsMissing({ superuser: false, start: true, stop: true, readAllSettings: true }, 'snap', 15),
    [],
  );
  assert.deepEqual(snapshotGrantsMissing({ ...none, superuser: true }, 'snap', 15), []);
  assert.deepEqual(backupFunctions(13), {
    start: 'pg_start_backup(text, boolean, boolean)',
    stop: 'pg_stop_backup(boolean, boolean)',
  });
});
