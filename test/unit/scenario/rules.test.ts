import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRules, passwordNotInFile } from '../../../src/scenario/rules.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

// A validated raw scenario from a plain object (the YAML as JS).
function raw(fields: Record<string, unknown>) {
  return scenarioSchema.parse({ name: 'q', source: { managed: {} }, ...fields });
}

// The paths of the issues the rules find.
function paths(fields: Record<string, unknown>): string[] {
  return checkRules(raw(fields)).map((issue) => issue.path);
}

test('a valid scenario breaks no rule', () => {
  assert.deepEqual(
    paths({
      backup: { method: 'basebackup' },
      restore: { targets: ['immediate', 'latest', { xid: 5 }] },
      objectives: { rpo: '1m' },
    }),
    [],
  );
  assert.deepEqual(paths({ objectives: { rto: '5m', rpo: '1m' } }), [], 'rpo with a dump is allowed');
});

test('restore.image needs the docker environment', () => {
  assert.deepEqual(paths({ restore: { image: 'postgres:17' } }), ['restore.image']);
  assert.deepEqual(paths({ restore: { image: 'postgres:17', environment: 'docker' } }), []);
});

test('a dump restores only to its snapshot', () => {
  const issues = checkRules(raw({ restore: { targets: ['immediate', { marker: 'm' }] } }));
  assert.deepEqual(issues, [
    {
      path: 'restore.targets[1]',
      problem: 'a dump restores only to its snapshot, so it cannot reach target marker:m',
      fix: 'use targets: [immediate] or backup.method: basebackup',
    },
  ]);
  assert.deepEqual(
    paths({ backup: { method: 'snapshot', snapshot: { driver: 'copy' } }, restore: { targets: [{ marker: 'm' }] } }),
    [],
  );
});

test('backup.snapshot is present exactly when the method is snapshot', () => {
  assert.deepEqual(paths({ backup: { method: 'snapshot' } }), ['backup.snapshot']);
  assert.deepEqual(paths({ backup: { snapshot: { driver: 'btrfs' } } }), ['backup.snapshot']);
});

test('source.restoreCommand needs a url source; markers: false cannot apply to a managed one', () => {
  assert.deepEqual(paths({ source: { managed: {}, restoreCommand: 'cp' } }), ['source.restoreCommand']);
  assert.deepEqual(paths({ source: { url: 'host=db', restoreCommand: 'cp' } }), []);
  assert.deepEqual(paths({ source: { managed: {}, markers: false } }), ['source.markers']);
});

test('a physical backup keeps its major version; version and matrix are not both set', () => {
  assert.deepEqual(paths({ backup: { method: 'basebackup' }, restore: { matrix: { version: [15, 17] } } }), [
    'restore.matrix.version[1]',
  ]);
  assert.deepEqual(paths({ restore: { version: 17 } }), [], 'a dump may restore into a newer major');
  assert.deepEqual(paths({ restore: { version: 17, matrix: { version: [17] } } }), ['restore.matrix']);
});

test('targets and matrix versions appear once', () => {
  assert.deepEqual(
    paths({
      backup: { method: 'basebackup' },
      restore: { targets: [{ xid: 5 }, { xid: 5, inclusive: false }, { xid: 5 }] },
    }),
    ['restore.targets[2]'],
  );
  assert.deepEqual(paths({ restore: { matrix: { version: [16, 16] } } }), ['restore.matrix.version[1]']);
});

test('a password written in the url is refused, a ${VAR} one is not', () => {
  assert.equal(passwordNotInFile('postgres://u:pw@db/app').length, 1);
  assert.equal(passwordNotInFile('host=db password=pw').length, 1);
  assert.deepEqual(passwordNotInFile('postgres://u:${PW}@db/app'), []);
  assert.deepEqual(passwordNotInFile('host=db password=${PW} user=u'), []);
  assert.deepEqual(passwordNotInFile('${DATABASE_URL}'), []);
  assert.deepEqual(passwordNotInFile(undefined), []);
});

test('restore.upgrade: physical backups only, into a newer major, not beside a matrix; restore.version stays refused', () => {
  assert.deepEqual(paths({ backup: { method: 'basebackup' }, restore: { upgrade: { to: 17, mode: 'link' } } }), []);
  assert.deepEqual(
    paths({ backup: { method: 'snapshot', snapshot: { driver: 'copy' } }, restore: { upgrade: { to: 18 } } }),
    [],
  );
  const dump = checkRules(raw({ restore: { upgrade: { to: 17 } } }));
  assert.deepEqual(
    dump.map((i) => i.path),
    ['restore.upgrade'],
  );
  assert.match(dump[0]!.fix, /restore\.version: 17/);
  const older = checkRules(
    raw({ source: { managed: { version: 17 } }, backup: { method: 'basebackup' }, restore: { upgrade: { to: 15 } } }),
  );
  assert.deepEqual(older, [
    {
      path: 'restore.upgrade.to',
      problem: "pg_upgrade upgrades into a newer major: 15 is not newer than the source's 17",
      fix: 'set restore.upgrade.to above 17 (e.g. 18)',
    },
  ]);
  assert.deepEqual(
    paths({ backup: { method: 'basebackup' }, restore: { upgrade: { to: 15 } } }),
    ['restore.upgrade.to'],
    'the default managed major (15) upgrades to itself: refused',
  );
  assert.deepEqual(
    paths({ source: { url: 'host=db' }, backup: { method: 'basebackup' }, restore: { upgrade: { to: 17 } } }),
    [],
    "a url source's major is known only once connected",
  );
  assert.deepEqual(
    paths({ backup: { method: 'basebackup' }, restore: { upgrade: { to: 17 }, matrix: { version: [15] } } }),
    ['restore.matrix'],
  );
  const version = checkRules(raw({ backup: { method: 'basebackup' }, restore: { version: 17, upgrade: { to: 17 } } }));
  assert.deepEqual(
    version.map((i) => i.path),
    ['restore.version'],
  );
  assert.match(version[0]!.fix, /restore\.upgrade: \{ to: 17 \}/);
  assert.equal(
    raw({ backup: { method: 'basebackup' }, restore: { upgrade: { to: 17 } } }).restore.upgrade?.mode,
    'copy',
    "pg_upgrade's own default mode",
  );
  assert.throws(() => raw({ backup: { method: 'basebackup' }, restore: { upgrade: { to: 17, mode: 'swap' } } }));
});

test('backup.external is present exactly when the method is external, of a url source, with one restore_command and no backup.use', () => {
  const url = { url: 'postgresql://backup@db/app' };
  const external = {
    restoreCommand: 'pgbackrest --stanza=main --pg1-path="$RECOVERABLE_PGDATA" restore',
    restoreWal: 'pgbackrest --stanza=main archive-get %f "%p"',
  };
  assert.deepEqual(paths({ source: url, backup: { method: 'external', external } }), []);
  assert.deepEqual(paths({ source: url, backup: { method: 'external' } }), ['backup.external']);
  assert.deepEqual(paths({ source: url, backup: { method: 'basebackup', external } }), ['backup.external']);
  assert.deepEqual(
    paths({ backup: { method: 'external', external } }),
    ['source.managed'],
    'a managed source is new on every run: no tool backed it up',
  );
  // The url source's restoreCommand is the same restore_command: either place, but never two different ones.
  const noWal = { restoreCommand: external.restoreCommand };
  assert.deepEqual(paths({ source: url, backup: { method: 'external', external: noWal } }), [
    'backup.external.restoreWal',
  ]);
  assert.deepEqual(
    paths({ source: { ...url, restoreCommand: external.restoreWal }, backup: { method: 'external', external: noWal } }),
    [],
  );
  assert.deepEqual(
    paths({ source: { ...url, restoreCommand: 'cp /elsewhere/%f "%p"' }, backup: { method: 'external', external } }),
    ['source.restoreCommand'],
  );
  assert.deepEqual(paths({ source: url, backup: { method: 'external', external, use: 'latest' } }), ['backup.use']);
  assert.deepEqual(
    paths({ source: url, backup: { method: 'external', external }, restore: { environment: 'docker' } }),
    ['restore.environment'],
    'the tool runs where the restored server runs',
  );
});
