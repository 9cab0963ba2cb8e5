import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeText } from '../../../src/report/upgrade-text.ts';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { passingResult, restore } from './sample-result.ts';
import type { UpgradeSummary } from '../../../src/run/result.ts';

const linked: UpgradeSummary = { from: 15, to: 17, toVersion: '17.12', mode: 'link', performed: true };

test('the environment line says whether and how the restore was upgraded', () => {
  assert.equal(upgradeText(linked), 'upgraded to PostgreSQL 17.12 with pg_upgrade --link');
  assert.equal(
    upgradeText({ ...linked, mode: 'check', performed: false }),
    'pg_upgrade --check to PostgreSQL 17.12 only: no upgrade was performed',
  );
  assert.equal(
    upgradeText({ ...linked, performed: false }),
    'not upgraded to PostgreSQL 17.12: pg_upgrade --link did not complete',
  );
});

test("the Markdown report names the new major beside the restore's own", () => {
  const base = restore();
  const markdown = renderMarkdown(
    passingResult({ restores: [restore({ environment: { ...base.environment, upgrade: linked } })] }),
  );
  assert.match(
    markdown,
    /- Environment: [^\n]*PostgreSQL \d+[^\n]*; upgraded to PostgreSQL 17\.12 with pg_upgrade --link\n/,
  );
  assert.doesNotMatch(renderMarkdown(passingResult()), /upgraded to/);
});
