import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pgUpgradeArgs,
  segmentMegabytes,
  upgradeInitdbArgs,
  type ClusterSettings,
  type UpgradePaths,
} from '../../../src/restore/upgrade-settings.ts';

const libc: ClusterSettings = {
  encoding: 'UTF8',
  collate: 'C.UTF-8',
  ctype: 'C.UTF-8',
  localeProvider: 'c',
  providerLocale: null,
  dataChecksums: true,
  walSegmentMb: 16,
};

test("the new cluster shares the old one's superuser, encoding, locale, checksums and WAL segment size", () => {
  assert.deepEqual(upgradeInitdbArgs(libc, 17, '/n/data', 'postgres'), [
    '-D',
    '/n/data',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--lc-collate=C.UTF-8',
    '--lc-ctype=C.UTF-8',
    '--data-checksums',
    '--wal-segsize=16',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
  ]);
  const other = upgradeInitdbArgs(
    { ...libc, encoding: 'LATIN1', collate: 'de_DE', ctype: 'fr_FR', dataChecksums: false, walSegmentMb: 64 },
    17,
    '/n/data',
    'admin',
  );
  assert.ok(
    other.includes('LATIN1') &&
      other.includes('--lc-collate=de_DE') &&
      other.includes('--lc-ctype=fr_FR') &&
      other.includes('--wal-segsize=64') &&
      other.includes('admin'),
  );
  assert.ok(!other.some((a) => /checksums/.test(a)), "checksums stay off before 18, where off is initdb's default");
  assert.ok(
    upgradeInitdbArgs({ ...libc, dataChecksums: false }, 18, '/d', 'p').includes('--no-data-checksums'),
    '18 turns them on unless told',
  );
  assert.ok(
    upgradeInitdbArgs({ ...libc, localeProvider: 'i', providerLocale: 'und' }, 17, '/d', 'p')
      .join(' ')
      .includes('--locale-provider=icu --icu-locale=und'),
  );
  assert.ok(
    upgradeInitdbArgs({ ...libc, localeProvider: 'b', providerLocale: 'C.UTF-8' }, 18, '/d', 'p')
      .join(' ')
      .includes('--locale-provider=builtin --builtin-locale=C.UTF-8'),
  );
});

test('wal_segment_size as SHOW prints it', () => {
  assert.equal(segmentMegabytes('16MB'), 16);
  assert.equal(segmentMegabytes('1GB'), 1024);
  assert.throws(() => segmentMegabytes('16kB'), /unexpected wal_segment_size/);
});

test('pg_upgrade checks with the transfer mode it will use, then upgrades with it', () => {
  const paths: UpgradePaths = {
    oldBin: '/o/bin',
    newBin: '/n/bin',
    oldData: '/o/data',
    newData: '/n/data',
    socketDir: '/n/sock',
    superuser: 'postgres',
    oldPort: 5001,
    newPort: 5002,
  };
  const base = [
    '-b',
    '/o/bin',
    '-B',
    '/n/bin',
    '-d',
    '/o/data',
    '-D',
    '/n/data',
    '-U',
    'postgres',
    '-p',
    '5001',
    '-P',
    '5002',
    '-s',
    '/n/sock',
    '-j',
    '2',
  ];
  assert.deepEqual(pgUpgradeArgs(paths, { check: true, transfer: 'link', jobs: 2 }), [...base, '--check', '--link']);
  assert.deepEqual(pgUpgradeArgs(paths, { check: true, transfer: null, jobs: 2 }), [...base, '--check']);
  assert.deepEqual(pgUpgradeArgs(paths, { check: false, transfer: 'clone', jobs: 2 }), [...base, '--clone']);
});
