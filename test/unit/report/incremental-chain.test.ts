// A drilled incremental backup: every report names the chain pg_combinebackup combined, oldest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { renderHtml } from '../../../src/report/html.ts';
import { renderJson } from '../../../src/report/json.ts';
import { runResultSchema } from '../../../src/run/result-schema.ts';
import { passingResult } from './sample-result.ts';

const incremental = passingResult({
  backup: {
    id: 'i2',
    method: 'basebackup',
    sizeBytes: 10,
    durationMs: 10,
    taken: false,
    takenAt: '2025-01-01T02:00:01.000Z',
    sourceVersion: 17,
    chain: ['full', 'i1'],
  },
});

test('the chain is in result.json, valid against the result schema', () => {
  const json = JSON.parse(renderJson(incremental)) as { backup: { chain: string[] } };
  assert.deepEqual(json.backup.chain, ['full', 'i1']);
  assert.equal(runResultSchema.safeParse(json).success, true);
});

test('the Markdown and HTML summaries show the chain, oldest first; a full backup shows none', () => {
  assert.match(renderMarkdown(incremental), /\| Incremental chain \| full ← i1 ← i2 \(pg_combinebackup\) \|/);
  assert.match(renderHtml(incremental), /Incremental chain<\/th><td>full ← i1 ← i2 \(pg_combinebackup\)/);
  assert.doesNotMatch(renderMarkdown(passingResult()), /Incremental chain/);
  assert.doesNotMatch(renderHtml(passingResult()), /Incremental chain/);
});
