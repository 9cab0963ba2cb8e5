// Each method's readiness from what the server says of the role and its settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodReadiness } from '../../../src/source/preflight.ts';

const role = {
  role: 'backup',
  superuser: false,
  replication: false,
  bypassRls: false,
  readAllData: false,
  readAllSettings: false,
  start: false,
  stop: false,
};
const server = {
  walLevel: 'replica',
  archiveMode: 'on',
  archiveCommand: 'cp %p /a/%f',
  databaseBytes: 1,
  unreadable: [],
  unreadableCount: 0,
  rlsTables: [],
  unreadableLargeObjects: 0,
};
const of = (list: ReturnType<typeof methodReadiness>, method: string) => list.find((m) => m.method === method)!;

test('a superuser on an archiving server is ready for every method', () => {
  const all = methodReadiness({ ...role, superuser: true }, server, 15);
  assert.deepEqual(
    all.map((m) => [m.method, m.ready]),
    [
      ['dump', true],
      ['basebackup', true],
      ['snapshot', true],
    ],
  );
});

test('physical methods need archiving: wal_level minimal and archive_mode off are each named; an empty archive_command is a note', () => {
  const minimal = methodReadiness(
    { ...role, superuser: true },
    { ...server, walLevel: 'minimal', archiveMode: 'off' },
    15,
  );
  assert.deepEqual(
    of(minimal, 'basebackup').missing.map((m) => m.split(' (')[0]),
    ["ALTER SYSTEM SET wal_level = 'replica'", "ALTER SYSTEM SET archive_mode = 'on'"],
  );
  assert.equal(of(minimal, 'dump').ready, true, 'a dump needs no archiving');
  const empty = methodReadiness({ ...role, superuser: true }, { ...server, archiveCommand: '' }, 15);
  assert.equal(of(empty, 'snapshot').ready, true);
  assert.match(of(empty, 'snapshot').notes.join(), /archive_command is empty/);
});

test('grants per method, quoted for the role, by major: pg_read_all_data from 14, pg_start_backup before 15', () => {
  const quoted = methodReadiness(
    { ...role, role: 'Backup Role' },
    { ...server, unreadable: ['a.t'], unreadableCount: 1 },
    13,
  );
  assert.match(of(quoted, 'dump').missing[0]!, /^GRANT SELECT ON ALL TABLES IN SCHEMA \.\.\. TO "Backup Role"/);
  assert.deepEqual(of(quoted, 'snapshot').missing, [
    'GRANT EXECUTE ON FUNCTION pg_start_backup(text, boolean, boolean) TO "Backup Role"',
    'GRANT EXECUTE ON FUNCTION pg_stop_backup(boolean, boolean) TO "Backup Role"',
    'GRANT pg_read_all_settings TO "Backup Role"',
  ]);
  const replication = methodReadiness(
    { ...role, replication: true, bypassRls: true },
    { ...server, rlsTables: ['a.cards'] },
    16,
  );
  assert.equal(of(replication, 'basebackup').ready, true);
  assert.equal(of(replication, 'dump').ready, true, 'a role with BYPASSRLS reads row-level security tables in full');
});

test("a standby needs no archive_mode of its own for a basebackup (its primary archives), but a snapshot needs 'always' there", () => {
  for (const archiveMode of ['off', 'on']) {
    const standby = methodReadiness({ ...role, superuser: true }, { ...server, archiveMode, inRecovery: true }, 15);
    assert.equal(of(standby, 'basebackup').ready, true, `archive_mode ${archiveMode} on a standby`);
    assert.match(of(standby, 'basebackup').notes.join(), /the source is a standby: its primary must archive/);
    assert.match(of(standby, 'basebackup').notes.join(), /archive_timeout there, or SELECT pg_switch_wal\(\) there/);
    assert.equal(of(standby, 'snapshot').ready, false);
    assert.deepEqual(of(standby, 'snapshot').missing, [
      "ALTER SYSTEM SET archive_mode = 'always' (restart) on the standby, and backup.snapshot.allowStandby: true",
    ]);
  }
  const archiving = methodReadiness(
    { ...role, superuser: true },
    { ...server, archiveMode: 'always', inRecovery: true },
    15,
  );
  assert.equal(of(archiving, 'basebackup').ready, true);
  assert.doesNotMatch(of(archiving, 'basebackup').notes.join(), /its primary must archive/);
  assert.equal(of(archiving, 'snapshot').ready, true);
  assert.match(of(archiving, 'snapshot').notes.join(), /allowStandby: true/);
  // A primary with archive_mode off is still told to archive.
  const primary = methodReadiness(
    { ...role, superuser: true },
    { ...server, archiveMode: 'off', inRecovery: false },
    15,
  );
  assert.equal(of(primary, 'basebackup').ready, false);
});
