// Compare a restored database's expectations with the backup's: one result per table and per aspect.
import type { CheckKind, CheckResult, Exactness } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { Expectations, TableExpectation } from './types.ts';
import { compareRoles } from './roles-compare.ts';
import { compareDatabaseProperties } from './database-properties-compare.ts';
import { compareSchemaObjects, type NotRestored } from './compare-schema.ts';
import { compareSequences } from './compare-sequences.ts';
import { relationKey } from './names.ts';
import { STORED_BEFORE_ALGORITHMS } from './row-hash.ts';
import { covers, uncoveredNote } from './coverage.ts';
import { compareLargeObjectMetadata, compareTablespaces } from './cluster-objects-compare.ts';

export interface CompareOptions {
  exactness: Exactness;
  /** Which aspects the scenario asked for. */
  kinds: ReadonlySet<string>;
  /**
   * The restore is physical (a copy of the files): unlogged tables come back empty and unlogged sequences reset, and
   * rows stay in the partitions they were in (a dump restore may move them within a tree hashed on an enum).
   */
  unloggedEmpty: boolean;
  /** Time spent capturing the restored side, spread over the results it produced. */
  durationMs: number;
  /** What the restore was told not to bring back (pg_restore --no-owner / --no-privileges): not compared. */
  notRestored?: NotRestored;
  /** The backup's view definitions as the restored server deparses them (restores into another major). */
  deparsedHere?: Readonly<Record<string, string>>;
}

/** Compare expected (from the backup) against actual (the restored database). */
export function compareExpectations(
  expected: Expectations,
  actual: Expectations,
  options: CompareOptions,
): CheckResult[] {
  const results: CheckResult[] = [];
  const actualTables = new Map(actual.tables.map((t) => [relationKey(t), t]));
  const share = (n: number): number => Math.round(options.durationMs / Math.max(1, n));
  const perTable = share(expected.tables.length * 2 + 6);
  const exactness = options.exactness;
  const algorithms = {
    want: expected.fingerprintAlgorithm ?? STORED_BEFORE_ALGORITHMS,
    got: actual.fingerprintAlgorithm ?? STORED_BEFORE_ALGORITHMS,
  };

  for (const want of expected.tables) {
    // A tree hashed on an enum is compared whole after a dump restore, leaf by leaf after a physical one.
    if (want.relkind === 'p' ? options.unloggedEmpty : want.loadedViaRoot !== undefined && !options.unloggedEmpty)
      continue;
    const key = relationKey(want);
    const got = actualTables.get(key);
    const empty = options.unloggedEmpty && want.persistence === 'u';
    const wantRows = empty ? 0 : want.rows;
    if (want.notComparable && got) {
      results.push(...notComparable(want, options.kinds, perTable));
      continue;
    }
    if (want.refreshedOverStale && !options.unloggedEmpty) {
      results.push(...refreshedOverStale(want, got, options.kinds, exactness, perTable));
      continue;
    }
    const what = want.relkind === 'p' ? partitionTree(want) : '';
    const missing = `${want.relkind === 'p' ? 'partition tree' : 'table'} ${key} is missing from the restored database`;
    if (options.kinds.has('rowcounts')) {
      results.push(
        !got
          ? fail('rowcounts', `rowcount:${key}`, exactness, wantRows, null, missing, perTable)
          : got.initFork === 'missing'
            ? fail(
                'rowcounts',
                `rowcount:${key}`,
                exactness,
                wantRows,
                null,
                `${key} is unlogged and its init fork is missing from the restored data directory: promotion cannot reset it, and the table would be unreadable`,
                perTable,
              )
            : got.rows === wantRows
              ? pass(
                  'rowcounts',
                  `rowcount:${key}`,
                  exactness,
                  wantRows,
                  got.rows,
                  `${key}: ${got.rows} rows${got.initFork ? ' (unlogged, read in recovery: its init fork is on disk, so promotion brings it back empty, as expected)' : empty ? ' (unlogged: empty after a physical restore, as expected)' : ''}${what}`,
                  perTable,
                )
              : fail(
                  'rowcounts',
                  `rowcount:${key}`,
                  exactness,
                  wantRows,
                  got.rows,
                  `${key} has ${got.rows} rows, the backup had ${wantRows} (${signed(got.rows - wantRows)})${what}`,
                  perTable,
                ),
      );
    }
    if (options.kinds.has('fingerprints') && !empty) {
      const id = `fingerprint:${key}`;
      if (want.fingerprint === null || (got && got.fingerprint === null)) {
        results.push({
          id,
          kind: 'fingerprints',
          status: 'errored',
          exactness: 'not-available',
          message: `no fingerprint was computed for ${key}${got && want.fingerprint !== null && algorithms.want === 'value-hash' ? ` on the restored server (${algorithms.want} fingerprints need PostgreSQL 14 or later there)` : ''}`,
          durationMs: perTable,
        });
      } else if (algorithms.want !== algorithms.got) {
        results.push({
          id,
          kind: 'fingerprints',
          status: 'errored',
          exactness: 'not-available',
          message: `${key}: the backup's fingerprint is ${algorithms.want}, the restored one ${algorithms.got}: they cannot be compared`,
          durationMs: perTable,
        });
      } else if (!got) {
        results.push(fail('fingerprints', id, exactness, want.fingerprint, null, missing, perTable));
      } else if (got.fingerprint === want.fingerprint) {
        results.push(
          pass(
            'fingerprints',
            id,
            exactness,
            want.fingerprint,
            got.fingerprint,
            `${key}: content identical (${got.rows} rows hashed)${what}`,
            perTable,
          ),
        );
      } else {
        const noun =
          want.relkind === 'm'
            ? 'materialized view (refreshed by the restore from its query)'
            : want.relkind === 'p'
              ? 'partition tree'
              : 'table';
        results.push(
          fail(
            'fingerprints',
            id,
            exactness,
            want.fingerprint,
            got.fingerprint,
            `${key}: ${noun} content differs from the backup${got.rows === want.rows ? ' although the row count matches' : ''}: at least one row was changed, added or removed${what}`,
            perTable,
          ),
        );
      }
    }
  }

  if (options.kinds.has('schema')) {
    const { notRestored, deparsedHere } = options;
    results.push(
      ...compareSchemaObjects(expected, actual, {
        exactness,
        durationMs: perTable,
        ...(notRestored ? { notRestored } : {}),
        ...(deparsedHere ? { deparsedHere } : {}),
      }),
    );
    results.push(compareExtensions(expected, actual, exactness, perTable));
  }
  if (options.kinds.has('sequences'))
    results.push(
      ...compareSequences(expected.sequences, actual.sequences, {
        physical: options.unloggedEmpty,
        durationMs: perTable,
      }),
    );
  if (options.kinds.has('large-objects')) {
    const w = expected.largeObjects;
    const a = actual.largeObjects;
    const same = w.count === a.count && w.fingerprint === a.fingerprint;
    results.push(
      same
        ? pass(
            'large-objects',
            'large-objects',
            exactness,
            w.count,
            a.count,
            `${a.count} large objects, content identical${
              covers(expected, 'large-object-metadata') ? '' : ` (${uncoveredNote(['large-object-metadata'])})`
            }`,
            perTable,
          )
        : fail(
            'large-objects',
            'large-objects',
            exactness,
            { count: w.count, fingerprint: w.fingerprint },
            { count: a.count, fingerprint: a.fingerprint },
            w.count !== a.count
              ? `${a.count} large objects restored, the backup had ${w.count}`
              : 'large object content differs from the backup',
            perTable,
          ),
    );
  }
  if (options.kinds.has('large-objects') && covers(expected, 'large-object-metadata')) {
    const { notRestored } = options;
    results.push(
      compareLargeObjectMetadata(expected.largeObjects.metadata ?? [], actual.largeObjects.metadata ?? [], {
        exactness,
        durationMs: perTable,
        ...(notRestored ? { notRestored } : {}),
      }),
    );
  }
  if (options.kinds.has('roles')) {
    results.push(...compareRoles(expected.roles, actual.roles, exactness, perTable));
    // Tablespaces come back with the roles, from the globals.
    if (covers(expected, 'tablespaces'))
      results.push(
        compareTablespaces(expected.tablespaces ?? [], actual.tablespaces ?? [], { exactness, durationMs: perTable }),
      );
    else results[results.findIndex((r) => r.id === 'roles')]!.message += ` (${uncoveredNote(['tablespaces'])})`;
  }
  results.push(
    ...compareDatabaseProperties(expected.database, expected.databaseProperties, actual.databaseProperties, {
      kinds: options.kinds,
      exactness,
      durationMs: perTable,
    }),
  );
  return results;
}

// What a tree compared whole is, in the words of its results.
function partitionTree(tree: TableExpectation): string {
  return ` (partition tree of ${tree.leaves?.length ?? 0} leaves: ${(tree.leaves ?? []).join(', ')}; hash-partitioned on an enum, so compared as a whole: pg_dump loads it through its root and the restored enum's OIDs may send rows to other leaves)`;
}

// A view over stale materialized views: its restored content must be what its query gives over the restored data.
function refreshedOverStale(
  want: TableExpectation,
  got: TableExpectation | undefined,
  kinds: ReadonlySet<string>,
  exactness: Exactness,
  durationMs: number,
): CheckResult[] {
  const key = relationKey(want);
  const why = `its query over the restored data: it reads materialized view ${want.refreshedOverStale!.join(', ')}, stale in the backup, which the restore refreshes first`;
  const results: CheckResult[] = [];
  for (const [kind, id] of [
    ['rowcounts', `rowcount:${key}`],
    ['fingerprints', `fingerprint:${key}`],
  ] as const) {
    if (!kinds.has(kind)) continue;
    const query = got?.queryResult;
    const [wanted, have] = kind === 'rowcounts' ? [query?.rows, got?.rows] : [query?.fingerprint, got?.fingerprint];
    if (!got)
      results.push(
        fail(
          kind,
          id,
          exactness,
          null,
          null,
          `materialized view ${key} is missing from the restored database`,
          durationMs,
        ),
      );
    else if (got.unpopulated)
      results.push(
        fail(
          kind,
          id,
          exactness,
          wanted ?? null,
          'unpopulated',
          `materialized view ${key} was not populated by the restore; it should hold ${why}`,
          durationMs,
        ),
      );
    else if (wanted === undefined || wanted === null || have === null)
      results.push({
        id,
        kind,
        status: 'errored',
        exactness: 'not-available',
        message: `${key}: its query was not run on the restored database, so its content cannot be compared with ${why}`,
        durationMs,
      });
    else if (wanted === have)
      results.push(
        pass(
          kind,
          id,
          exactness,
          wanted,
          have,
          kind === 'rowcounts'
            ? `${key}: ${have} rows, as ${why}`
            : `${key}: content identical to ${why} (${got.rows} rows hashed)`,
          durationMs,
        ),
      );
    else
      results.push(
        fail(
          kind,
          id,
          exactness,
          wanted,
          have,
          `${key}: materialized view content differs from ${why}: the restore did not refresh it over its restored inputs`,
          durationMs,
        ),
      );
  }
  return results;
}

// A refreshed materialized view over a query that is not immutable has no predictable content: say so, never pass.
function notComparable(want: TableExpectation, kinds: ReadonlySet<string>, durationMs: number): CheckResult[] {
  const key = relationKey(want);
  const message = `${key}: materialized view refreshed by the restore from a query whose result cannot be predicted (${want.notComparable}): not comparable`;
  const results: CheckResult[] = [];
  if (kinds.has('rowcounts'))
    results.push({
      id: `rowcount:${key}`,
      kind: 'rowcounts',
      status: 'skipped',
      exactness: 'not-available',
      message,
      durationMs,
    });
  if (kinds.has('fingerprints'))
    results.push({
      id: `fingerprint:${key}`,
      kind: 'fingerprints',
      status: 'skipped',
      exactness: 'not-available',
      message,
      durationMs,
    });
  return results;
}

// Across majors an extension comes back at the new server's default version: compare names, report the versions.
function compareExtensions(
  expected: Expectations,
  actual: Expectations,
  exactness: Exactness,
  durationMs: number,
): CheckResult {
  if (major(expected.serverVersion) === major(actual.serverVersion))
    return compareSets(
      'schema',
      'schema:extensions',
      'extensions',
      expected.extensions,
      actual.extensions,
      exactness,
      durationMs,
    );
  const name = (e: string): string => e.split(' ')[0]!;
  const result = compareSets(
    'schema',
    'schema:extensions',
    'extensions',
    expected.extensions.map(name),
    actual.extensions.map(name),
    exactness,
    durationMs,
  );
  const moved = expected.extensions.filter(
    (e) => !actual.extensions.includes(e) && actual.extensions.some((a) => name(a) === name(e)),
  );
  if (result.status === 'passed' && moved.length) {
    result.message += ` (upgraded with the server: ${moved.map((e) => `${e} → ${actual.extensions.find((a) => name(a) === name(e))!.split(' ')[1]}`).join(', ')})`;
  }
  return result;
}

function major(version: string): number {
  return Number.parseInt(version, 10);
}

// Set difference as one check: what is missing and what is extra.
function compareSets(
  kind: CheckKind,
  id: string,
  noun: string,
  want: string[],
  got: string[],
  exactness: Exactness,
  durationMs: number,
): CheckResult {
  const have = new Set(got);
  const wanted = new Set(want);
  const missing = want.filter((o) => !have.has(o));
  const extra = got.filter((o) => !wanted.has(o));
  if (!missing.length && !extra.length)
    return pass(kind, id, exactness, want.length, got.length, `all ${want.length} ${noun} present`, durationMs);
  const parts = [
    missing.length ? `missing ${missing.length}: ${list(missing)}` : '',
    extra.length ? `unexpected ${extra.length}: ${list(extra)}` : '',
  ].filter(Boolean);
  return fail(
    kind,
    id,
    exactness,
    want.length,
    got.length,
    `${noun} differ from the backup: ${parts.join('; ')}`,
    durationMs,
  );
}

function list(items: string[], max = 8): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
