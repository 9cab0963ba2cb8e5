// Every human report says whether the backup was signed and by which key, and who ran the drill where; hostile text stays text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../../src/report/html.ts';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { renderJson } from '../../../src/report/json.ts';
import { provenanceFacts, signatureFact } from '../../../src/report/evidence-facts.ts';
import type { BackupSummary, Provenance } from '../../../src/run/result.ts';
import { passingResult } from './sample-result.ts';

const FP = 'ab'.repeat(32);
const backup = (signature?: BackupSummary['signature']): BackupSummary => ({
  id: 'b1',
  method: 'dump',
  sizeBytes: 1,
  durationMs: 1,
  taken: true,
  takenAt: 't',
  sourceVersion: 15,
  ...(signature ? { signature } : {}),
});
const provenance: Provenance = {
  user: 'ci<script>',
  host: 'runner-1',
  ci: { system: 'github-actions', runId: '42', repository: 'acme/db', revision: 'abc' },
  toolVersion: '1.0.0',
  scenarioSha256: 'f'.repeat(64),
  backup: { id: 'b1', manifestSha256: 'e'.repeat(64), signed: true, keyFingerprint: FP },
  images: [{ image: 'postgres:17', digest: 'sha256:17' }],
  postgres: { source: 15, sourceServer: '15.8', restores: [{ target: 'immediate', version: 17 }] },
};

test('the signature fact tells signed and verified, signed but unproven, unsigned, and not checked apart', () => {
  assert.deepEqual(signatureFact(backup({ signed: true, keyFingerprint: FP, verified: true })), [
    'Signed',
    `yes, key ${FP} (verified under the verify key)`,
  ]);
  assert.deepEqual(signatureFact(backup({ signed: true, keyFingerprint: FP, verified: false })), [
    'Signed',
    `yes, key ${FP} (not verified: see evidence:signature)`,
  ]);
  assert.deepEqual(signatureFact(backup({ signed: false, verified: false })), ['Signed', 'no (unsigned backup)']);
  assert.deepEqual(signatureFact(backup()), ['Signed', 'not checked']);
});

test('provenance rows: who, CI job, manifest digest, each image, PostgreSQL majors', () => {
  assert.deepEqual(provenanceFacts(provenance), [
    ['Run by', 'ci<script> on runner-1'],
    ['CI', 'github-actions: run 42, acme/db, at abc'],
    ['Backup manifest SHA-256', 'e'.repeat(64)],
    ['Image', 'postgres:17 (sha256:17)'],
    ['PostgreSQL', 'source 15 (15.8); restored into 17'],
  ]);
});

test('markdown, HTML and result.json carry the signature and provenance; HTML escapes them', () => {
  const result = passingResult();
  result.backup = {
    ...result.backup!,
    signature: { signed: true, keyFingerprint: FP, verified: true },
    manifestSha256: 'e'.repeat(64),
  };
  result.provenance = provenance;
  const markdown = renderMarkdown(result);
  assert.match(markdown, new RegExp(`\\| Signed \\| yes, key ${FP} \\(verified under the verify key\\) \\|`));
  assert.match(markdown, /\| Run by \| ci&lt;script> on runner-1 \|/);
  const html = renderHtml(result);
  assert.ok(html.includes(`yes, key ${FP}`));
  assert.ok(html.includes('ci&lt;script&gt; on runner-1'));
  assert.ok(!html.includes('ci<script>'));
  const json = JSON.parse(renderJson(result)) as typeof result;
  assert.deepEqual(json.provenance, provenance);
  assert.deepEqual(json.backup?.signature, { signed: true, keyFingerprint: FP, verified: true });
});
