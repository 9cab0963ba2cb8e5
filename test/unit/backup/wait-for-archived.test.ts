// The wait for a basebackup's stop segment: it ends at the first look that finds the segment, reports how long it
// waited, rejects a segment of another cluster, times out on the injected clock, not in real time, asks a primary
// (never a standby) to switch WAL, and names every way that can go wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForArchived, type ArchiveWait } from '../../../src/backup/basebackup.ts';
import { BackupUnusableError, EnvironmentError, hintOf } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/log.ts';
import type { Source } from '../../../src/source/source.ts';
import type { WalArchive } from '../../../src/repository/wal-archive.ts';
import type { WalSwitchOutcome } from '../../../src/source/wal-switch.ts';
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

// A switch that records each call and answers `outcome` (or throws it).
function switcher(outcome: WalSwitchOutcome | Error): {
  switchWal: NonNullable<ArchiveWait['switchWal']>;
  calls: () => number;
} {
  let calls = 0;
  return {
    switchWal: async () => {
      calls += 1;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    calls: () => calls,
  };
}

function wait(stub: WalArchive, timeoutMs: number, extra: Partial<ArchiveWait> = {}): ArchiveWait {
  return { archive: stub, segment: SEGMENT, system: SYSTEM, timeoutMs, standby: false, ...extra };
}

test('the wait ends at the first look that finds the stop segment and says how long it took', async () => {
  const clock = fakeClock();
  const { archive: stub, looks } = archive(4);
  const waited = await waitForArchived(unreachable, wait(stub, 60_000), silentLogger(), clock);
  assert.equal(looks(), 4);
  // Three pauses between four looks, each short: the backup ends soon after the archiver is done.
  assert.deepEqual(clock.slept, [50, 50, 50]);
  assert.equal(waited, 150);
});

test('a stop segment already archived costs no wait at all', async () => {
  const clock = fakeClock();
  const waited = await waitForArchived(unreachable, wait(archive(1).archive, 60_000), silentLogger(), clock);
  assert.equal(waited, 0);
  assert.deepEqual(clock.slept, []);
});

test('a segment of that name written by another cluster is refused, naming both system identifiers', async () => {
  const clock = fakeClock();
  await assert.rejects(
    waitForArchived(unreachable, wait(archive(1, '7400000000000000999').archive, 60_000), silentLogger(), clock),
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
    waitForArchived(unreachable, wait(archive(null).archive, 2_000), silentLogger(), clock),
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

test('a primary whose segment lingers is asked once, after 3 s, to switch WAL, and the wait goes on', async () => {
  const clock = fakeClock();
  const { switchWal, calls } = switcher('switched');
  // 3 s of looks (one per 50 ms) and a few more: the switch comes once, between them.
  const waited = await waitForArchived(
    unreachable,
    wait(archive(70).archive, 60_000, { switchWal }),
    silentLogger(),
    clock,
  );
  assert.equal(calls(), 1);
  assert.equal(waited, 69 * 50);
});

test('a role that may not switch WAL waits for the archiver alone', async () => {
  const clock = fakeClock();
  const { switchWal, calls } = switcher('not-permitted');
  const waited = await waitForArchived(
    unreachable,
    wait(archive(80).archive, 60_000, { switchWal }),
    silentLogger(),
    clock,
  );
  assert.equal(calls(), 1);
  assert.equal(waited, 79 * 50);
});

test('a standby is never asked to switch WAL: its primary finishing the segment ends the wait', async () => {
  const clock = fakeClock();
  const { switchWal, calls } = switcher(new Error('pg_switch_wal() called on a standby'));
  const waited = await waitForArchived(
    unreachable,
    wait(archive(200).archive, 60_000, { switchWal, standby: true }),
    silentLogger(),
    clock,
  );
  assert.equal(calls(), 0, 'pg_switch_wal() was asked of a standby');
  assert.equal(waited, 199 * 50);
});

test('a standby whose primary never finishes the stop segment fails by name, the hint saying what to do on the primary', async () => {
  const clock = fakeClock();
  const { switchWal, calls } = switcher(new Error('pg_switch_wal() called on a standby'));
  await assert.rejects(
    waitForArchived(
      unreachable,
      wait(archive(null).archive, 10_000, { switchWal, standby: true }),
      silentLogger(),
      clock,
    ),
    (error: unknown) => {
      assert.ok(error instanceof EnvironmentError, String(error));
      assert.equal(error.code, 'standby-wal-unarchived');
      assert.equal(error.category, 'environment');
      assert.match(error.message, /stop segment 000000010000000000000007 never reached the archive in 10 s/);
      assert.match(error.message, /the source is a standby/);
      const hint = hintOf(error);
      assert.match(hint, /SELECT pg_switch_wal\(\)` there/);
      assert.match(hint, /archive_timeout on the primary/);
      assert.match(hint, /archive_mode = always on the standby/);
      return true;
    },
  );
  assert.equal(calls(), 0);
  assert.ok(clock.now() > 10_000 && clock.now() <= 10_100, `gave up at ${clock.now()} ms`);
});

test('a failed switch ends the wait with its own error, not a generic one', async () => {
  const clock = fakeClock();
  const refused = new EnvironmentError('wal-switch-failed', 'the source could not switch WAL: boom');
  await assert.rejects(
    waitForArchived(
      unreachable,
      wait(archive(null).archive, 60_000, { switchWal: switcher(refused).switchWal }),
      silentLogger(),
      clock,
    ),
    (error: unknown) => error === refused,
  );
  assert.ok(clock.now() > 3_000 && clock.now() < 3_200, `gave up at ${clock.now()} ms`);
});
