// Which stored backup a new incremental builds on, and the chain it joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainAfter, chooseParent } from '../../../src/backup/incremental.ts';
import { SYSTEM, chainRecord, dumpDetails } from '../repository/incremental-records.ts';
import type { BackupRecord, SnapshotDetails } from '../../../src/repository/backup-record.ts';

const DUMP = dumpDetails('17.7');

const SNAPSHOT: SnapshotDetails = {
  name: 'snap',
  driver: 'copy',
  pgdata: '/pg',
  labelFile: 'backup_label',
  labelSha256: 'x',
  spcmapFile: null,
  spcmapSha256: null,
  fromStandby: false,
};

test('the parent is the newest basebackup of the same scenario and cluster', () => {
  const records = [
    chainRecord('20261201T100000Z-aaaaaa', '0/2000028'),
    chainRecord('20261201T110000Z-bbbbbb', '0/4000028', { parent: '20261201T100000Z-aaaaaa' }),
    chainRecord('20261201T120000Z-cccccc', '0/1000028', { system: '7400000000000000999' }),
    chainRecord('20261201T130000Z-dddddd', '0/1000028', { scenario: 'other' }),
  ];
  assert.equal(chooseParent(records, 'shop', SYSTEM)?.id, '20261201T110000Z-bbbbbb');
});

test('no basebackup of this cluster: no parent (the first backup is a full one)', () => {
  assert.equal(chooseParent([chainRecord('a', '0/2000028', { system: '7400000000000000999' })], 'shop', SYSTEM), null);
  assert.equal(chooseParent([], 'shop', SYSTEM), null);
});

test('dumps, snapshots, older record formats and encrypted backups are never parents', () => {
  const { physical, ...common } = chainRecord('c', '0/2000028');
  const dump: BackupRecord = { ...common, method: 'dump', dump: DUMP };
  // A snapshot of the same cluster has WAL and an identity like a basebackup's, but no backup_manifest to build on.
  const snapshot: BackupRecord = { ...common, id: 'e', method: 'snapshot', physical, snapshot: SNAPSHOT };
  const old = { ...chainRecord('b', '0/2000028'), formatVersion: 1 };
  const encrypted = {
    ...chainRecord('d', '0/2000028'),
    encryption: { cipher: 'aes-256-gcm-chunked' as const, formatVersion: 1 as const, keyId: 'k', durationMs: 1 },
  };
  assert.equal(chooseParent([chainRecord('a', '0/2000028'), old, dump, encrypted, snapshot], 'shop', SYSTEM)?.id, 'a');
});

test("a new backup's chain is its parent's chain, then the parent", () => {
  assert.deepEqual(chainAfter(chainRecord('full', '0/2000028')), ['full']);
  assert.deepEqual(chainAfter(chainRecord('i1', '0/4000028', { parent: 'full', chain: ['full'] })), ['full', 'i1']);
});
