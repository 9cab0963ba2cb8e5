// WAL names and LSN arithmetic match PostgreSQL's (xlog_internal.h), for the default and other segment sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_WAL_SEGMENT_SIZE,
  bigIntToLsn,
  historyFileName,
  isArchivableName,
  lsnToBigInt,
  nextSegment,
  parseHistoryFile,
  parseSegmentName,
  segmentName,
  segmentNameFromNumber,
  segmentsBetween,
} from '../../../src/repository/wal-names.ts';

const MiB = 1024 * 1024;

test('parseSegmentName splits timeline, logId and segment number', () => {
  assert.deepEqual(parseSegmentName('00000002000000010000003F'), {
    timeline: 2,
    logId: 1,
    logSeg: 0x3f,
    segNo: 0x100n + 0x3fn,
  });
  assert.deepEqual(parseSegmentName('000000010000000000000001'), { timeline: 1, logId: 0, logSeg: 1, segNo: 1n });
});

test('parseSegmentName depends on the segment size: 64 MiB segments have 64 per logId', () => {
  assert.equal(parseSegmentName('00000001000000020000003F', 64 * MiB).segNo, 2n * 64n + 0x3fn);
  assert.throws(() => parseSegmentName('000000010000000000000040', 64 * MiB), /segment 00000040 >= 40/);
});

test('parseSegmentName refuses what is not a segment name', () => {
  for (const bad of [
    '00000001000000000000000',
    '00000001000000000000000g',
    '000000010000000000000001.partial',
    '000000000000000000000001',
    '',
  ]) {
    assert.throws(() => parseSegmentName(bad), RangeError, bad);
  }
  assert.throws(() => parseSegmentName('000000010000000000000001', 3 * MiB), /invalid WAL segment size/);
});

test('segmentName names the segment holding an LSN', () => {
  assert.equal(segmentName(1, '0/1A2B3C'), '000000010000000000000000');
  assert.equal(segmentName(1, '0/3000000'), '000000010000000000000003');
  assert.equal(segmentName(1, '0/2FFFFFF'), '000000010000000000000002');
  assert.equal(segmentName(3, '1/FF000028'), '0000000300000001000000FF');
  assert.equal(segmentName(1, lsnToBigInt('2/40000000'), 1024 * MiB), '000000010000000200000001');
});

test('segmentNameFromNumber inverts parseSegmentName', () => {
  for (const name of ['000000010000000000000001', '0000000A00000003000000FE', 'FFFFFFFF00000000000000FF']) {
    const parsed = parseSegmentName(name);
    assert.equal(segmentNameFromNumber(parsed.timeline, parsed.segNo), name);
  }
});

test('lsnToBigInt and bigIntToLsn round-trip PostgreSQL spellings', () => {
  assert.equal(lsnToBigInt('0/1A2B3C'), 0x1a2b3cn);
  assert.equal(lsnToBigInt('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
  assert.equal(lsnToBigInt(' 0/0 '), 0n);
  assert.equal(bigIntToLsn(0x1a2b3cn), '0/1A2B3C');
  assert.equal(bigIntToLsn((0x16n << 32n) | 0xb374d848n), '16/B374D848');
  for (const bad of ['1A2B3C', '0/', 'x/1', '0/123456789']) assert.throws(() => lsnToBigInt(bad), RangeError, bad);
});

test('nextSegment carries into the next logId', () => {
  assert.equal(nextSegment('000000010000000000000009'), '00000001000000000000000A');
  assert.equal(nextSegment('0000000100000000000000FF'), '000000010000000100000000');
  assert.equal(nextSegment('00000001000000000000003F', 64 * MiB), '000000010000000100000000');
});

test('segmentsBetween lists both ends and everything between, on one timeline', () => {
  assert.deepEqual(segmentsBetween('0000000100000000000000FE', '000000010000000100000001'), [
    '0000000100000000000000FE',
    '0000000100000000000000FF',
    '000000010000000100000000',
    '000000010000000100000001',
  ]);
  assert.deepEqual(segmentsBetween('000000010000000000000003', '000000010000000000000003'), [
    '000000010000000000000003',
  ]);
  assert.deepEqual(segmentsBetween('000000010000000000000004', '000000010000000000000003'), []);
  assert.throws(() => segmentsBetween('000000010000000000000003', '000000020000000000000004'), /different timelines/);
});

test('parseHistoryFile reads every ancestor with its switch point, as PostgreSQL writes it', () => {
  const content = '1\t0/3000158\tno recovery target specified\n\n2\t0/5000000\tat restore point "before_upgrade"\n';
  assert.deepEqual(parseHistoryFile(content), [
    { timeline: 1, switchLsn: 0x3000158n, reason: 'no recovery target specified' },
    { timeline: 2, switchLsn: 0x5000000n, reason: 'at restore point "before_upgrade"' },
  ]);
  assert.deepEqual(parseHistoryFile('# comment\n1\t0/3000158\n'), [{ timeline: 1, switchLsn: 0x3000158n, reason: '' }]);
  assert.throws(() => parseHistoryFile('1\tnot-an-lsn\treason\n'), /line 1/);
  assert.throws(() => parseHistoryFile('2\t0/1\ta\n1\t0/2\tb\n'), /must increase/);
});

test('historyFileName and isArchivableName know the four kinds of archived file', () => {
  assert.equal(historyFileName(2), '00000002.history');
  assert.equal(historyFileName(0x1a), '0000001A.history');
  for (const ok of [
    '000000010000000000000001',
    '000000010000000000000001.partial',
    '00000002.history',
    '000000010000000000000002.00000028.backup',
  ])
    assert.ok(isArchivableName(ok), ok);
  for (const bad of [
    'RECOVERYXLOG',
    '00000002.History',
    '000000010000000000000001.partial.tmp',
    '.000000010000000000000001.1.tmp',
    '../000000010000000000000001',
    'archive_status',
  ])
    assert.ok(!isArchivableName(bad), bad);
  assert.equal(DEFAULT_WAL_SEGMENT_SIZE, 16 * MiB);
});
