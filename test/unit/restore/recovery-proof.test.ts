// What the server log proves about a recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelUsedBefore15, readRecoveryLog } from '../../../src/restore/recovery-proof.ts';

test('before 15, backup_label is proven used only by its rename and redo starting at its START WAL LOCATION, both', () => {
  const log = '2026-12-02 06:29:31 UTC [1] LOG:  starting archive recovery\n2026-12-02 06:29:31 UTC [1] LOG:  redo starts at 0/2000028\n';
  const evidence = readRecoveryLog(log);
  assert.equal(evidence.redoStarts, 'redo starts at 0/2000028');
  assert.match(labelUsedBefore15(evidence, '0/2000028', true) ?? '', /renamed backup_label to backup_label\.old and "redo starts at 0\/2000028"/);
  assert.equal(labelUsedBefore15(evidence, '0/2000028', false), null, 'not renamed: the label was not read');
  assert.equal(labelUsedBefore15(evidence, '0/3000028', true), null, 'redo elsewhere: crash recovery from the last checkpoint');
  assert.equal(labelUsedBefore15(readRecoveryLog('LOG:  redo starts at 0/20000280\n'), '0/2000028', true), null, 'a longer LSN is another LSN');
  assert.equal(labelUsedBefore15(evidence, null, true), null);
});
