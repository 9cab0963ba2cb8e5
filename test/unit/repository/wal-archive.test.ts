// The repository's WAL archive: stored as-is, never overwritten, concurrent writers agree; continuity over it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidWalNameError, WalArchive, WalConflictError } from '../../../src/repository/wal-archive.ts';
import { verifyWalContinuity } from '../../../src/repository/wal-continuity.ts';
import { segmentsBetween } from '../../../src/repository/wal-names.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const SEGMENT = '000000010000000000000003';
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'recoverable-wal-archive-test-'));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// A fresh repository and a source file with the given content.
async function fixture(content: string | Buffer): Promise<{ archive: WalArchive; source: string; dir: string }> {
  const dir = await mkdtemp(join(scratch, 'case-'));
  const source = join(dir, 'source');
  await writeFile(source, content);
  return { archive: new WalArchive(join(dir, 'repo')), source, dir };
}

test('archive then fetch returns the same bytes, stored as-is under wal/', async () => {
  const content = Buffer.alloc(64 * 1024, 7);
  const { archive, source, dir } = await fixture(content);
  assert.equal(await archive.archive(source, SEGMENT), 'stored');
  assert.deepEqual(await readFile(join(dir, 'repo', 'wal', SEGMENT)), content);
  const dest = join(dir, 'RECOVERYXLOG');
  assert.equal(await archive.fetch(SEGMENT, dest), true);
  assert.deepEqual(await readFile(dest), content);
  assert.deepEqual(await readdir(dir), ['RECOVERYXLOG', 'repo', 'source']);
  assert.deepEqual(await archive.list(), [SEGMENT]);
  assert.equal(await archive.has(SEGMENT), true);
});

test('archiving the same content twice is already-present (a retry after a crash)', async () => {
  const { archive, source } = await fixture('segment bytes');
  assert.equal(await archive.archive(source, SEGMENT), 'stored');
  assert.equal(await archive.archive(source, SEGMENT), 'already-present');
  assert.deepEqual(await readdir(archive.dir), [SEGMENT]);
});

test('different content under an archived name is a WalConflictError and leaves the archived file unchanged', async () => {
  const { archive, source, dir } = await fixture('first server');
  await archive.archive(source, SEGMENT);
  const other = join(dir, 'other');
  await writeFile(other, 'second server!');
  await assert.rejects(archive.archive(other, SEGMENT), (error: unknown) => {
    assert.ok(error instanceof WalConflictError);
    assert.equal(error.code, 'wal-conflict');
    assert.equal(exitCodeOf(error.category), 1);
    assert.equal(error.walName, SEGMENT);
    assert.deepEqual(error.archived.size, 12);
    assert.deepEqual(error.incoming.size, 14);
    assert.match(
      error.message,
      /^wal file 000000010000000000000003 is already archived with different content \(archived: 12 bytes, sha256 [0-9a-f]{64}; new: 14 bytes, sha256 [0-9a-f]{64}\)$/,
    );
    assert.match(error.hint ?? '', /two servers may be archiving into one repository/);
    return true;
  });
  assert.equal(await readFile(join(archive.dir, SEGMENT), 'utf8'), 'first server');
  assert.deepEqual(await readdir(archive.dir), [SEGMENT]);
});

test('a same-size file with different bytes is a conflict too', async () => {
  const { archive, source, dir } = await fixture('aaaa');
  await archive.archive(source, SEGMENT);
  await writeFile(join(dir, 'other'), 'aaab');
  await assert.rejects(archive.archive(join(dir, 'other'), SEGMENT), WalConflictError);
});

test('20 concurrent archive() calls of one segment all succeed, leaving one file and no temp files', async () => {
  const { archive, source } = await fixture(Buffer.alloc(1024 * 1024, 3));
  const outcomes = await Promise.all(Array.from({ length: 20 }, () => archive.archive(source, SEGMENT)));
  assert.equal(outcomes.filter((o) => o === 'stored').length, 1);
  assert.equal(outcomes.filter((o) => o === 'already-present').length, 19);
  assert.deepEqual(await readdir(archive.dir), [SEGMENT]);
});

test('fetch of a missing segment or a missing .history is false and writes nothing', async () => {
  const { archive, source, dir } = await fixture('x');
  assert.equal(await archive.fetch(SEGMENT, join(dir, 'out')), false, 'no wal directory yet');
  await archive.archive(source, SEGMENT);
  assert.equal(await archive.fetch('000000010000000000000004', join(dir, 'out')), false);
  assert.equal(await archive.fetch('00000002.history', join(dir, 'RECOVERYHISTORY')), false);
  assert.deepEqual(await readdir(dir), ['repo', 'source']);
});

test('fetch into a directory that does not exist is an error, not "missing"', async () => {
  const { archive, source, dir } = await fixture('x');
  await archive.archive(source, SEGMENT);
  await assert.rejects(
    archive.fetch(SEGMENT, join(dir, 'no-such-dir', 'out')),
    /could not fetch 000000010000000000000003/,
  );
});

test('archiving a source that does not exist fails and leaves nothing behind', async () => {
  const { archive, dir } = await fixture('x');
  await assert.rejects(
    archive.archive(join(dir, 'gone'), SEGMENT),
    (error: unknown) => (error as { code?: string }).code === 'wal-archive-failed',
  );
  assert.deepEqual(await archive.list(), []);
  assert.deepEqual(await readdir(archive.dir), []);
});

test('.partial, .history and .backup files are archived under their own names', async () => {
  const { archive, source } = await fixture('x');
  const names = ['000000010000000000000004.partial', '00000002.history', '000000010000000000000002.00000028.backup'];
  for (const name of names) assert.equal(await archive.archive(source, name), 'stored');
  assert.deepEqual(await archive.list(), [...names].sort());
  assert.equal((await archive.read('00000002.history'))?.toString(), 'x');
  assert.equal(await archive.read('00000003.history'), null);
});

test('invalid names are refused before any I/O', async () => {
  const { archive, source, dir } = await fixture('x');
  for (const name of [
    '../000000010000000000000003',
    '00000001000000000000003',
    '00000001000000000000000a',
    'RECOVERYXLOG',
    '00000002.History',
    '000000010000000000000003.tmp',
    '',
  ]) {
    await assert.rejects(archive.archive(source, name), InvalidWalNameError, name);
    await assert.rejects(archive.fetch(name, join(dir, 'out')), InvalidWalNameError, name);
  }
  assert.deepEqual(await readdir(dir), ['source']);
});

// An archive holding the given files (content does not matter to continuity).
async function archiveHolding(names: string[], files: Record<string, string> = {}): Promise<WalArchive> {
  const { archive, source, dir } = await fixture('wal');
  for (const name of names) await archive.archive(source, name);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await archive.archive(join(dir, name), name);
  }
  return archive;
}

const tl1 = (from: string, to: string): string[] =>
  segmentsBetween(`0000000100000000000000${from}`, `0000000100000000000000${to}`);
const tl2 = (from: string, to: string): string[] =>
  segmentsBetween(`0000000200000000000000${from}`, `0000000200000000000000${to}`);

test('continuity: every segment from the start to the newest archived is present', async () => {
  const archive = await archiveHolding(tl1('03', '09'));
  const result = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003' });
  assert.deepEqual(result, {
    ok: true,
    missing: [],
    present: 7,
    partialOnly: [],
    timelines: [1],
    ranges: [{ first: '000000010000000000000003', last: '000000010000000000000009' }],
    forks: [],
    first: '000000010000000000000003',
    last: '000000010000000000000009',
    message: 'WAL continuous: 7 segments from 000000010000000000000003 to 000000010000000000000009',
  });
});

test('continuity: a gap names the missing segment and what the archive has', async () => {
  const archive = await archiveHolding([...tl1('03', '04'), ...tl1('06', '09')]);
  const result = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003', timeline: 1 });
  assert.equal(result.ok, false);
  assert.deepEqual(result.missing, ['000000010000000000000005']);
  assert.equal(result.present, 6);
  assert.equal(result.message, 'WAL gap: 000000010000000000000005 missing (archive has 3..4 and 6..9)');
});

test('continuity: an end beyond the archive lists every missing segment', async () => {
  const archive = await archiveHolding(tl1('03', '04'));
  const result = await verifyWalContinuity(archive, {
    startSegment: '000000010000000000000003',
    endSegment: '000000010000000000000006',
  });
  assert.deepEqual(result.missing, ['000000010000000000000005', '000000010000000000000006']);
  assert.equal(
    result.message,
    'WAL gap: 2 segments missing: 000000010000000000000005, 000000010000000000000006 (archive has 3..4)',
  );
});

test('continuity: an empty archive lacks the start segment itself', async () => {
  const archive = await archiveHolding([]);
  const result = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003' });
  assert.equal(result.ok, false);
  assert.deepEqual(result.missing, ['000000010000000000000003']);
  assert.equal(result.message, 'WAL gap: 000000010000000000000003 missing (archive has nothing on timeline 1)');
});

test('continuity: a segment archived only as .partial is flagged', async () => {
  const archive = await archiveHolding([...tl1('03', '05'), '000000010000000000000006.partial']);
  const result = await verifyWalContinuity(archive, {
    startSegment: '000000010000000000000003',
    endSegment: '000000010000000000000006',
  });
  assert.deepEqual(result.missing, ['000000010000000000000006']);
  assert.deepEqual(result.partialOnly, ['000000010000000000000006']);
  assert.match(result.message, /000000010000000000000006 archived only as \.partial/);
});

test('continuity follows a timeline switch through the .history file', async () => {
  const history = { '00000002.history': '1\t0/6000120\tno recovery target specified\n' };
  const names = [...tl1('03', '05'), '000000010000000000000006.partial', ...tl2('06', '08')];
  const archive = await archiveHolding(names, history);
  const result = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003' });
  assert.equal(result.ok, true, result.message);
  assert.deepEqual(result.timelines, [1, 2]);
  assert.equal(result.present, 6);
  assert.equal(
    result.message,
    'WAL continuous: 6 segments from 000000010000000000000003 to 000000020000000000000008 across timelines 1 → 2',
  );

  const gap = await archiveHolding(
    names.filter((n) => n !== '000000020000000000000006'),
    history,
  );
  const broken = await verifyWalContinuity(gap, { startSegment: '000000010000000000000003' });
  assert.deepEqual(broken.missing, ['000000020000000000000006']);
  assert.equal(
    broken.message,
    'WAL gap: 000000020000000000000006 missing (archive has 3..5 on timeline 1; 7..8 on timeline 2)',
  );

  assert.deepEqual(result.ranges, [
    { first: '000000010000000000000003', last: '000000010000000000000005' },
    { first: '000000020000000000000006', last: '000000020000000000000008' },
  ]);
  assert.deepEqual(result.forks, [], "timeline 1's own copy of the switch segment is no fork");

  const onOne = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003', timeline: 1 });
  assert.equal(onOne.ok, true, 'timeline 1 alone, up to its last complete segment');
  assert.equal(onOne.last, '000000010000000000000005');
});

test('continuity: a timeline that goes on past the point another branched off it is a fork, named, and not ok', async () => {
  // Timeline 2 (a clone promoted at 0/6000120) archives beside timeline 1, which goes on writing to segment 9.
  const history = { '00000002.history': '1\t0/6000120\tno recovery target specified\n' };
  const archive = await archiveHolding([...tl1('03', '09'), ...tl2('06', '08')], history);
  const result = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003' });
  assert.equal(result.ok, false);
  assert.deepEqual(result.missing, []);
  assert.deepEqual(result.timelines, [1, 2]);
  assert.deepEqual(result.forks, [
    'timeline 1 goes on past 0/6000120, where the followed timeline branched off it (3 segments, 000000010000000000000007 to 000000010000000000000009)',
  ]);
  assert.match(result.message, /^WAL forks: the archive holds two histories and recovery follows timeline 1 → 2: /);
  assert.match(result.message, /give it its own --system in archive_command/);
  // Asked for timeline 1 alone, there is no other branch on the path.
  const onOne = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003', timeline: 1 });
  assert.equal(onOne.ok, true);
  // Following the newest timeline as the server does, an end before the switch never leaves timeline 1: no fork; an
  // end after it is on timeline 2's side of the fork.
  const before = await verifyWalContinuity(archive, {
    startSegment: '000000010000000000000003',
    endSegment: '000000010000000000000005',
    timeline: 'latest',
  });
  assert.deepEqual([before.ok, before.forks], [true, []]);
  assert.equal(before.last, '000000010000000000000005');
  const after = await verifyWalContinuity(archive, {
    startSegment: '000000010000000000000003',
    endSegment: '000000010000000000000007',
    timeline: 'latest',
  });
  assert.equal(after.ok, false);
  assert.equal(after.last, '000000020000000000000007');
  assert.equal(after.forks.length, 1);
});

test('continuity cannot follow a timeline without its .history, nor from a start after the switch', async () => {
  const archive = await archiveHolding([...tl1('03', '08'), ...tl2('06', '08')]);
  const noHistory = await verifyWalContinuity(archive, { startSegment: '000000010000000000000003', timeline: 2 });
  assert.equal(noHistory.ok, false);
  assert.deepEqual(noHistory.missing, ['00000002.history']);
  assert.equal(noHistory.message, 'WAL gap: timeline history 00000002.history missing: cannot follow timeline 1 to 2');

  const withHistory = await archiveHolding([...tl1('03', '08'), ...tl2('06', '08')], {
    '00000002.history': '1\t0/6000120\tpromoted\n',
  });
  const late = await verifyWalContinuity(withHistory, { startSegment: '000000010000000000000007', timeline: 2 });
  assert.equal(late.ok, false);
  assert.match(
    late.message,
    /start segment 000000010000000000000007 lies after timeline 1 switched away at segment 000000010000000000000006/,
  );
});
