// Replay never goes back on a copy: a resumed restore that paused earlier than the one before it is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wentBack } from '../../../src/drill/restore-physical-target.ts';
import type { PhysicalRestoreOutcome } from '../../../src/restore/physical-restore.ts';

const at = (replayLsn: string | null): PhysicalRestoreOutcome =>
  ({
    state: replayLsn === null ? null : { replayLsn, pauseState: 'paused', lastReplayedCommit: null },
  }) as PhysicalRestoreOutcome;

test('a pause before the previous one went back; the same point or later did not, whatever the spelling', () => {
  assert.equal(wentBack(at('0/5000100'), at('0/50000F0')), true);
  assert.equal(wentBack(at('0/5000100'), at('0/05000100')), false);
  assert.equal(wentBack(at('0/5000100'), at('1/0')), false);
  // No replay position to compare (the server did not say): not judged here; the checks judge the data.
  assert.equal(wentBack(at(null), at('0/1')), false);
  assert.equal(wentBack(at('0/5000100'), at(null)), false);
});
