// A run the size of a real estate: 1,000 tables restored to 8 targets, a few checks failed.
import {
  RESULT_SCHEMA_VERSION,
  type CheckResult,
  type RestoreResult,
  type RunResult,
} from '../../../src/run/result.ts';
import { decideVerdict } from '../../../src/run/verdict.ts';

const TARGETS = [
  'immediate',
  'latest',
  'marker:batch-1',
  'marker:batch-2',
  'marker:batch-3',
  'xid:81234',
  'lsn:0/5A0001F8',
  'time:2026-12-01T01:02:03.123456Z',
];

function tableChecks(table: number, failed: boolean): CheckResult[] {
  const name = `app_schema_${String(table % 20).padStart(2, '0')}.customer_orders_${String(table).padStart(4, '0')}`;
  return [
    {
      id: `rowcount:${name}`,
      kind: 'rowcounts',
      status: 'passed',
      exactness: 'exact',
      expected: 120_000 + table,
      actual: 120_000 + table,
      message: `${name} has ${120_000 + table} rows, as captured`,
      durationMs: 3,
    },
    failed
      ? {
          id: `fingerprint:${name}`,
          kind: 'fingerprints',
          status: 'failed',
          exactness: 'exact',
          expected: 'e3b0c44298fc1c149afbf4c8996fb924',
          actual: '9e107d9d372bb6826bd81d3542a419d6',
          message: `${name}: content differs from the backup's`,
          durationMs: 40,
        }
      : {
          id: `fingerprint:${name}`,
          kind: 'fingerprints',
          status: 'passed',
          exactness: 'exact',
          expected: 'e3b0c44298fc1c149afbf4c8996fb924',
          actual: 'e3b0c44298fc1c149afbf4c8996fb924',
          message: `${name} content matches`,
          durationMs: 40,
        },
    {
      id: `schema:table:${name}`,
      kind: 'schema',
      status: 'passed',
      exactness: 'exact',
      message: `table ${name} has the definition it had`,
      durationMs: 1,
    },
  ];
}

function largeRestore(target: string, index: number): RestoreResult {
  return {
    target,
    environment: { kind: 'docker', version: 17, image: 'postgres:17', imageDigest: `sha256:${'ab'.repeat(32)}` },
    reached: {
      kind: target.split(':')[0]!,
      lsn: `0/5A00${String(index).padStart(4, '0')}`,
      xid: String(81_000 + index),
      time: '2026-12-01 01:02:03.123456+00',
      proof: `recovery stopping before commit of transaction ${81_000 + index}, time 2026-12-01 01:02:03.123456+00`,
    },
    phases: [
      { name: 'fetch/verify', durationMs: 41_000 },
      { name: 'environment', durationMs: 2_000 },
      { name: 'restore', durationMs: 600_000 + index },
      { name: 'checks', durationMs: 300_000 },
    ],
    // One restore has two failed fingerprints, so "what failed" and the targets table have something to say.
    checks: Array.from({ length: 1_000 }, (_, table) => tableChecks(table, index === 3 && table % 500 === 7)).flat(),
  };
}

/** 1,000 tables × 8 targets: 24,000 checks, two failed. */
export function largeResult(): RunResult {
  const partial: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: '20261201T020000Z',
    tool: { name: 'recoverable', version: '0.1.0' },
    scenario: { name: 'estate', path: '/srv/drills/estate.yaml', sha256: 'f'.repeat(64) },
    startedAt: '2026-12-01T02:00:00.000Z',
    finishedAt: '2026-12-01T04:10:00.000Z',
    verdict: 'errored',
    summary: '',
    backup: {
      id: '20261201T020001Z-basebackup',
      method: 'basebackup',
      startLsn: '0/5A000028',
      stopLsn: '0/5A000100',
      sizeBytes: 412_000_000_000,
      durationMs: 3_600_000,
      taken: true,
      takenAt: '2026-12-01T02:00:01.000Z',
      sourceVersion: 17,
    },
    restores: TARGETS.map(largeRestore),
    objectives: [
      {
        name: 'rto',
        objectiveMs: 3_600_000,
        measuredMs: 943_007,
        status: 'errored',
        basis: 'not a recovery time of a working restore',
      },
      { name: 'rpo', objectiveMs: 60_000, measuredMs: 900, status: 'passed', basis: 'measured' },
    ],
    checks: [
      {
        id: 'manifest:backup',
        kind: 'manifest',
        status: 'passed',
        message: 'all 31,412 files match the manifest',
        durationMs: 90_000,
      },
    ],
  };
  return { ...partial, verdict: decideVerdict(partial), summary: '2 of 24,001 checks failed' };
}
