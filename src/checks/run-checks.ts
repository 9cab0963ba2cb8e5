// Run a restore's checks against the restored cluster; results, never exceptions, for what was found.
import type pg from 'pg';
import type { Logger } from '../core/log.ts';
import type { Cluster } from '../env/cluster.ts';
import type { CheckResult, Exactness } from '../run/result.ts';
import type { CheckSpec } from '../scenario/types.ts';
import { captureExpectations, invalidIndexes, type Expectations } from '../expectations/capture.ts';
import { compareExpectations } from '../expectations/compare.ts';
import type { NotRestored } from '../expectations/compare-schema.ts';
import { deparseBackupViews } from '../expectations/schema-redeparse.ts';
import { fail, pass } from '../run/check.ts';
import { pinSession } from '../expectations/session.ts';
import { relationKey } from '../expectations/names.ts';
import { STORED_BEFORE_ALGORITHMS } from '../expectations/row-hash.ts';
import { amcheck } from './amcheck.ts';
import { sqlCheck } from './sql-check.ts';

export interface RestoreCheckContext {
  cluster: Cluster;
  database: string;
  expected: Expectations;
  exactness: Exactness;
  /** Physical restores bring unlogged tables back empty. */
  physical: boolean;
  jobs: number;
  log: Logger;
  /** What the restore was told not to bring back (pg_restore --no-owner / --no-privileges). */
  notRestored?: NotRestored;
}

const COMPARED = ['rowcounts', 'fingerprints', 'schema', 'sequences', 'large-objects', 'roles'];

/** Run every check the scenario (and the target) asks for, in a fixed order: data, structure, assertions. */
export async function runRestoreChecks(ctx: RestoreCheckContext, specs: readonly CheckSpec[]): Promise<CheckResult[]> {
  const kinds = new Set<string>(specs.map((s) => s.kind));
  const results: CheckResult[] = [];
  const client = await ctx.cluster.connect(ctx.database);
  try {
    await pinSession(client);
    // Step 1: expectations of the restored database, compared with the backup's.
    if (COMPARED.some((k) => kinds.has(k))) {
      const started = performance.now();
      // Views the backup could not predict (they read stale materialized views) are measured against their own query here.
      const queryResults = new Set(ctx.expected.tables.filter((t) => t.refreshedOverStale).map((t) => relationKey(t)));
      // Fingerprints computed as the backup's were (stored backups keep theirs, whatever this version's default).
      const fingerprintAlgorithm = ctx.expected.fingerprintAlgorithm ?? STORED_BEFORE_ALGORITHMS;
      const actual = await withScanSessions(ctx, (scanSessions) =>
        captureExpectations(client, {
          fingerprints: kinds.has('fingerprints'),
          fingerprintAlgorithm,
          largeObjectContent: kinds.has('large-objects'),
          queryResults,
          scanSessions,
        }),
      );
      const deparsedHere = kinds.has('schema') ? await deparseBackupViews(client, ctx.expected, actual) : {};
      results.push(
        ...compareExpectations(ctx.expected, actual, {
          exactness: ctx.exactness,
          kinds,
          unloggedEmpty: ctx.physical,
          durationMs: performance.now() - started,
          deparsedHere,
          ...(ctx.notRestored ? { notRestored: ctx.notRestored } : {}),
        }),
      );
    }
    // Step 2: every index usable (a failed CREATE INDEX leaves an invalid one behind).
    if (kinds.has('schema')) {
      const started = performance.now();
      const invalid = await invalidIndexes(client);
      const ms = Math.round(performance.now() - started);
      results.push(
        invalid.length
          ? fail(
              'schema',
              'schema:index-validity',
              'exact',
              0,
              invalid.length,
              `invalid indexes after restore: ${invalid.join(', ')}`,
              ms,
            )
          : pass('schema', 'schema:index-validity', 'exact', 0, 0, 'every index is valid and ready', ms),
      );
    }
    // Step 3: the scenario's own assertions, each on its database.
    let index = 0;
    for (const spec of specs) {
      if (spec.kind !== 'sql') continue;
      if (spec.database && spec.database !== ctx.database) {
        const other = await ctx.cluster.connect(spec.database).catch((error: Error) => error);
        if (other instanceof Error) {
          results.push({
            id: `sql:${index + 1}:${spec.name}`,
            kind: 'sql',
            status: 'errored',
            message: `${spec.name}: cannot connect to database ${spec.database}: ${other.message}`,
            durationMs: 0,
          });
        } else {
          try {
            await pinSession(other);
            results.push(await sqlCheck(other, spec, index));
          } finally {
            await other.end();
          }
        }
      } else {
        results.push(await sqlCheck(client, spec, index));
      }
      index++;
    }
  } finally {
    await client.end();
  }
  // Step 4: structural verification last (it installs the amcheck extension into the restored database).
  const am = specs.find((s): s is Extract<CheckSpec, { kind: 'amcheck' }> => s.kind === 'amcheck');
  if (am) {
    ctx.log.info('amcheck: verifying heap, TOAST and btree structure');
    results.push(await amcheck(ctx.cluster, ctx.database, { heapallindexed: am.heapallindexed, jobs: ctx.jobs }));
  }
  return results;
}

// The restored cluster is quiescent: `jobs` sessions in all count and hash its tables side by side.
async function withScanSessions<T>(
  ctx: RestoreCheckContext,
  capture: (sessions: pg.Client[]) => Promise<T>,
): Promise<T> {
  const sessions: pg.Client[] = [];
  try {
    for (let i = 1; i < ctx.jobs; i++) {
      // A session refused (connection limit) means fewer side by side, not a failed check.
      const session = await ctx.cluster.connect(ctx.database).catch(() => null);
      if (!session) break;
      sessions.push(session);
      await pinSession(session);
    }
    return await capture(sessions);
  } finally {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
  }
}
