// The wait for a basebackup's stop segment: it ends at the first look that finds the segment, reports how long it
// waited, rejects a segment of another cluster, and times out on the injected clock, not in real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForArchived } from '../../../src/backup/basebackup.ts';
import { BackupUnusableError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/log.ts';
import type { Source } from '../../../src/source/source.ts';
import type { WalArchive } from '../../../src/repository/wal-archive.ts';
import { fakeClock } from '../../helpers/fake-clock.ts';

const SEGMENT = '000000010000000000000007';
const SYSTEM = '7400000000000000001';

// An archive that holds the segment from the `appearsAt`-th look on (never when null), written by `owner`.
function archive(
  appearsAt: number | null,
  owner: string | null = SYSTEM,
): { archive: WalArchive; looks: () => number } {
  let looks = 0;
  const stub = {
    has: async (name: string) => {
      assert.equal(name, SEGMENT);
      looks += 1;
      return appearsAt !== null && looks >= appearsAt;
    },
    systemIdOf: async () => owner,
  };
  return { archive: stub as unknown as WalArchive, looks: () => looks };
}

// A source nothing listens for: only the stalled archive's message asks it for pg_stat_archiver.
const unreachable = {
  clientConfig: () => ({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' }),
  describe: () => 'a source nothing listens for',
} as unknown as Source;

test('the wait ends at the first look that finds the stop segment and says how long it took', async () => {
  const clock = fakeClock();
  const { archive: stub, looks } = archive(4);
  const waited = await waitForArchived(unreachable, stub, SEGMENT, SYSTEM, 60_000, silentLogger(), clock);
  assert.equal(looks(), 4);
  // Three pauses between four looks, each short: the backup ends soon after the archiver is done.
  assert.deepEqual(clock.slept, [50, 50, 50]);
  assert.equal(waited, 150);
});

test('a stop segment already archived costs no wait at all', async () => {
  const clock = fakeClock();
  const waited = await waitForArchived(unreachable, archive(1).archive, SEGMENT, SYSTEM, 60_000, silentLogger(), clock);
  assert.equal(waited, 0);
  assert.deepEqual(clock.slept, []);
});

test('a segment of that name written by another cluster is refused, naming both system identifiers', async () => {
  const clock = fakeClock();
  await assert.rejects(
    waitForArchived(
      unreachable,
      archive(1, '7400000000000000999').archive,
      SEGMENT,
      SYSTEM,
      60_000,
      silentLogger(),
      clock,
    ),
    (error: unknown) => {
      assert.ok(error instanceof BackupUnusableError);
      assert.match(error.message, /000000010000000000000007 belongs to another cluster/);
      assert.match(error.message, /7400000000000000999/);
      assert.match(error.message, new RegExp(SYSTEM));
      return true;
    },
  );
});

test('a stop segment that never arrives times out on the clock, with the archiver state in the message', async () => {
  const clock = fakeClock();
  const started = performance.now();
  // Under 3 s the source is never asked to switch WAL: nothing listens there.
  await assert.rejects(
    waitForArchived(unreachable, archive(null).archive, SEGMENT, SYSTEM, 2_000, silentLogger(), clock),
    (error: unknown) => {
      assert.ok(error instanceof BackupUnusableError);
      assert.match(error.message, /stop segment 000000010000000000000007 never reached the archive in 2 s/);
      assert.match(error.message, /pg_stat_archiver unreadable/);
      return true;
    },
  );
  assert.ok(performance.now() - started < 5_000, 'the wait slept for real');
  assert.ok(clock.now() > 2_000 && clock.now() <= 2_100, `gave up at ${clock.now()} ms, right after the deadline`);
});
