// Run a restore's checks against the restored cluster; results, never exceptions, for what was found.
import type pg from 'pg';
import type { Logger } from '../core/log.ts';
import type { Cluster } from '../env/cluster.ts';
import type { CheckKind, CheckResult, Exactness } from '../run/result.ts';
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
import {
  amcheckPlan,
  describePrepared,
  preparedTransactions,
  relationText,
  type PreparedTransaction,
} from './prepared-transactions.ts';
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

const COMPARED: readonly CheckKind[] = ['rowcounts', 'fingerprints', 'schema', 'sequences', 'large-objects', 'roles'];

/** Run every check the scenario (and the target) asks for, in a fixed order: data, structure, assertions. */
export async function runRestoreChecks(ctx: RestoreCheckContext, specs: readonly CheckSpec[]): Promise<CheckResult[]> {
  const kinds = new Set<string>(specs.map((s) => s.kind));
  const results: CheckResult[] = [];
  // A restore may hold a prepared transaction's locks: no check waits on them unbounded (a dump's target was made
  // with Cluster.init, so it is told here that it is a restored cluster; a bound already set stays).
  if (ctx.cluster.lockTimeout === '0') ctx.cluster.boundLockWaits();
  const client = await ctx.cluster.connect(ctx.database);
  let prepared: PreparedTransaction[];
  try {
    await pinRestored(ctx.cluster, client);
    prepared = await preparedTransactions(client);
    if (prepared.length)
      ctx.log.warn(
        { prepared: prepared.map((x) => x.gid) },
        `the restore holds prepared transactions, as the source did at backup time: ${describePrepared(prepared)}`,
      );
    const unreadable = amcheckPlan(prepared).unreadable;
    const compared = COMPARED.filter((k) => kinds.has(k));
    // Step 1: expectations of the restored database, compared with the backup's.
    if (compared.length && unreadable.length) {
      // Counting or hashing a table a prepared transaction holds in ACCESS EXCLUSIVE mode would only wait on it.
      results.push(
        notCompared(
          compared,
          `prepared transaction ${unreadable.map((r) => `'${r.gid}' holds ${r.mode} on ${relationText(r)}`).join(', ')}`,
          prepared,
        ),
      );
    } else if (compared.length) {
      const started = performance.now();
      // Views the backup could not predict (they read stale materialized views) are measured against their own query here.
      const queryResults = new Set(ctx.expected.tables.filter((t) => t.refreshedOverStale).map((t) => relationKey(t)));
      // Fingerprints computed as the backup's were (stored backups keep theirs, whatever this version's default).
      const fingerprintAlgorithm = ctx.expected.fingerprintAlgorithm ?? STORED_BEFORE_ALGORITHMS;
      try {
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
      } catch (error) {
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        results.push(
          notCompared(
            compared,
            `a lock was not granted within lock_timeout ${ctx.cluster.lockTimeout} (${(error as Error).message})`,
            prepared,
            performance.now() - started,
          ),
        );
      }
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
            await pinRestored(ctx.cluster, other);
            results.push(lockContext(await sqlCheck(other, spec, index), prepared));
          } finally {
            await other.end();
          }
        }
      } else {
        results.push(lockContext(await sqlCheck(client, spec, index), prepared));
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
    results.push(
      await amcheck(ctx.cluster, ctx.database, { heapallindexed: am.heapallindexed, jobs: ctx.jobs, prepared }),
    );
  }
  return results;
}

// An assertion that gave up on a lock names the prepared transactions that may hold it.
function lockContext(result: CheckResult, prepared: readonly PreparedTransaction[]): CheckResult {
  if (result.status !== 'errored' || !prepared.length || !/lock timeout/i.test(result.message)) return result;
  return {
    ...result,
    message: `${result.message} (the restore holds prepared transactions, as the source did at backup time: ${describePrepared(prepared)})`,
  };
}

// SQLSTATE of a statement cancelled by lock_timeout.
const LOCK_NOT_AVAILABLE = '55P03';

// The guards and pinned settings, then the restored cluster's bounded lock wait (the guards' own lock_timeout is 0).
async function pinRestored(cluster: Cluster, client: pg.Client): Promise<void> {
  await pinSession(client);
  await client.query("select pg_catalog.set_config('lock_timeout', $1, false)", [cluster.lockTimeout]);
}

// The comparisons a lock kept from running: errored (missing evidence), naming the lock and the prepared transactions.
function notCompared(
  kinds: readonly CheckKind[],
  why: string,
  prepared: readonly PreparedTransaction[],
  durationMs = 0,
): CheckResult {
  return {
    id: 'expectations:locked',
    kind: kinds[0]!,
    status: 'errored',
    message: `${kinds.join(', ')} not compared: ${why}${
      prepared.length
        ? `; the restore holds prepared transactions, as the source did at backup time: ${describePrepared(prepared)} (COMMIT PREPARED or ROLLBACK PREPARED on the source releases their locks)`
        : ''
    }`,
    durationMs: Math.round(durationMs),
  };
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
      await pinRestored(ctx.cluster, session);
    }
    return await capture(sessions);
  } finally {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
  }
}
