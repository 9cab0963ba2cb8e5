// doctor on an incremental scenario: the source's major and summarize_wal, each with the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incrementalFinding } from '../../../src/cli/doctor-scenario.ts';
import type { SourcePreflight } from '../../../src/source/preflight.ts';

function source(major: number, summarizeWal?: string): SourcePreflight {
  return {
    serverVersion: `${major}.1`,
    major,
    database: 'app',
    role: 'backup',
    superuser: false,
    walLevel: 'replica',
    archiveMode: 'on',
    archiveCommand: '',
    databaseBytes: 1,
    ...(summarizeWal === undefined ? {} : { summarizeWal }),
    methods: [],
  };
}

test('a PostgreSQL 17 source with summarize_wal on is ready', () => {
  assert.deepEqual(incrementalFinding(source(17, 'on')), {
    topic: 'incremental',
    ok: true,
    detail: 'summarize_wal is on: incremental backups can be taken',
  });
});

test('summarize_wal off is not ready, with the statement to run', () => {
  const finding = incrementalFinding(source(17, 'off'));
  assert.equal(finding.ok, false);
  assert.equal(finding.detail, 'summarize_wal is off: incremental backups are taken from WAL summaries');
  assert.equal(
    finding.fix,
    'run on the source, as a superuser: ALTER SYSTEM SET summarize_wal = on; SELECT pg_reload_conf()',
  );
});

test('a source older than 17 is not ready, naming its major', () => {
  const finding = incrementalFinding(source(16));
  assert.equal(finding.ok, false);
  assert.equal(finding.detail, 'PostgreSQL 16 cannot take incremental backups (17 or newer can)');
  assert.match(finding.fix ?? '', /upgrade the source to PostgreSQL 17 or newer/);
});
