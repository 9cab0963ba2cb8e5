import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../../src/core/log.ts';

// A stream that is not a terminal, as stderr is in every CI job.
function captured(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

test('without a format the log is human lines even when the stream is not a terminal', async () => {
  const out = captured();
  const log = createLogger({ stream: out.stream }).child({ runId: '20260101T000000Z', scenario: 'nightly' });
  log.info('restoring b-1 to immediate');
  log.warn({ hint: 'give it more time' }, 'slow restore');
  await sleep(20);
  assert.equal(out.text(), '▸ restoring b-1 to immediate\n! slow restore\n  hint: give it more time\n');
});

test('json lines carry the run id and scenario of the child logger, and mask passwords', async () => {
  const out = captured();
  const log = createLogger({ stream: out.stream, format: 'json' }).child({
    runId: '20260101T000000Z',
    scenario: 'nightly',
  });
  log.info('connecting to postgresql://app:s3cret@db/app');
  await sleep(20);
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.runId, '20260101T000000Z');
  assert.equal(line.scenario, 'nightly');
  assert.equal(line.level, 30);
  assert.doesNotMatch(String(line.msg), /s3cret/);
});
