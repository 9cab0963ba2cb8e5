// Waiting for the source's archiver runs on the injected clock: its timeout is reached without sleeping for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { waitForSourceArchived } from '../../../../src/backup/external/source-archived.ts';
import { BackupUnusableError } from '../../../../src/core/errors.ts';
import { fakeClock } from '../../../helpers/fake-clock.ts';

interface ArchiverRow {
  archived: string | null;
  failed: string | null;
  failed_after: boolean | null;
}

// A client whose pg_stat_archiver answers the rows given, one per look, the last one ever after.
function archiver(rows: ArchiverRow[]): { client: pg.Client; looks: () => number } {
  let looks = 0;
  const client = { query: async () => ({ rows: [rows[Math.min(looks++, rows.length - 1)]!] }) } as unknown as pg.Client;
  return { client, looks: () => looks };
}

const SEGMENT = '000000010000000000000005';

test(
  'an archiver that never gets there times out after the configured time, on the clock, not in real time',
  { timeout: 5_000 },
  async () => {
    const clock = fakeClock();
    const { client, looks } = archiver([{ archived: '000000010000000000000004', failed: null, failed_after: false }]);
    const started = performance.now();
    await assert.rejects(waitForSourceArchived(client, SEGMENT, 30_000, clock), (error: unknown) => {
      assert.ok(error instanceof BackupUnusableError);
      assert.match(
        error.message,
        /did not archive 000000010000000000000005 within 30 s \(last archived: 000000010000000000000004\)/,
      );
      return true;
    });
    assert.ok(performance.now() - started < 1_000, 'the wait slept for real');
    // It gave up only once the deadline had passed, and not long after.
    assert.ok(clock.now() > 30_000 && clock.now() <= 30_200, `gave up at ${clock.now()} ms`);
    assert.equal(looks(), clock.slept.length + 1);
    assert.ok(clock.slept.every((ms) => ms === 200));
  },
);

test('a failing archive_command is named when the wait gives up', async () => {
  const clock = fakeClock();
  const { client } = archiver([{ archived: null, failed: SEGMENT, failed_after: true }]);
  await assert.rejects(
    waitForSourceArchived(client, SEGMENT, 1_000, clock),
    /archive_command is failing \(last failed: 000000010000000000000005\)/,
  );
});

test('the wait ends as soon as the segment, or a later one, is archived', async () => {
  const clock = fakeClock();
  const { client, looks } = archiver([
    { archived: null, failed: null, failed_after: null },
    { archived: '000000010000000000000004', failed: null, failed_after: false },
    { archived: '000000010000000000000006', failed: null, failed_after: false },
  ]);
  await waitForSourceArchived(client, SEGMENT, 30_000, clock);
  assert.equal(looks(), 3);
  assert.equal(clock.now(), 400);
});
