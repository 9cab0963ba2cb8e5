// Table fingerprints against real PostgreSQL 15, per column type: a sound dump restore of every trap type passes
// (enums and reg* values under new OIDs), and each change a value hash would miss fails the table's fingerprint:
// case under a nondeterministic collation, numeric scale, float -0, interval units, json text, enum labels, array
// bounds, bpchar trailing blanks, 8-byte values hashintextended folds alike, values swapped between rows, NULL for ''.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type pg from 'pg';
import { Cluster } from '../../src/env/cluster.ts';
import { silentLogger } from '../../src/core/log.ts';
import { captureExpectations, type Expectations } from '../../src/expectations/capture.ts';
import { compareExpectations } from '../../src/expectations/compare.ts';
import { pinSession } from '../../src/expectations/session.ts';
import type { FingerprintAlgorithm } from '../../src/expectations/row-hash.ts';
import type { CheckResult } from '../../src/run/result.ts';
import { snapshotSessions } from '../../src/backup/snapshot-sessions.ts';
import { runRestoreChecks } from '../../src/checks/run-checks.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchCluster, type ScratchCluster } from '../helpers/scratch-cluster.ts';

const KINDS = new Set(['rowcounts', 'fingerprints']);
const TABLES = ['fp.by_value', 'fp.traps', 'fp.traps_view'];

let scratch: ScratchCluster;
let cluster: Cluster;
let source: pg.Client;
let restored: pg.Client;
const expected = new Map<FingerprintAlgorithm, Expectations>();

before(async () => {
  scratch = await scratchCluster('fptypes');
  cluster = scratch.cluster;
  const admin = await cluster.connect('postgres');
  await admin.query('create database source');
  await admin.end();
  // As a managed source loads it: statement by statement (a new enum label is usable once committed).
  await cluster.runtime.tool('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    cluster.conninfo('source'),
    '-f',
    join(ROOT, 'test/fixtures/fingerprint-types.sql'),
  ]);
  source = await cluster.connect('source');
  await pinSession(source);
  await scratch.dumpAndRestore('source', 'restored');
  for (const algorithm of ['value-hash', 'md5-text'] as const) {
    expected.set(
      algorithm,
      await captureExpectations(source, {
        fingerprints: true,
        fingerprintAlgorithm: algorithm,
        largeObjectContent: false,
        matviewsAsRefreshed: true,
      }),
    );
  }
  restored = await cluster.connect('restored');
  await pinSession(restored);
});

after(async () => {
  await source?.end();
  await restored?.end();
  await scratch?.dispose();
});

// Alter the restored database inside a transaction, compare with the backup's expectations, roll back.
async function compareAltered(
  alteration: string,
  algorithm: FingerprintAlgorithm = 'value-hash',
): Promise<CheckResult[]> {
  await restored.query('begin');
  try {
    await restored.query(alteration);
    const actual = await captureExpectations(restored, {
      fingerprints: true,
      fingerprintAlgorithm: algorithm,
      largeObjectContent: false,
    });
    return compareExpectations(expected.get(algorithm)!, actual, {
      exactness: 'exact',
      kinds: KINDS,
      unloggedEmpty: false,
      durationMs: 0,
    }).filter((r) => TABLES.some((t) => r.id.endsWith(`:${t}`)));
  } finally {
    await restored.query('rollback');
  }
}

const statuses = (results: CheckResult[]): Record<string, string> =>
  Object.fromEntries(results.map((r) => [r.id, r.status]));
const allPassed = Object.fromEntries(
  TABLES.flatMap((t) => [
    [`rowcount:${t}`, 'passed'],
    [`fingerprint:${t}`, 'passed'],
  ]),
);

// Only the fingerprints of `tables` fail (their row counts match), with messages naming them; every other check passes.
function assertOnlyContentDiffers(results: CheckResult[], ...tables: string[]): void {
  assert.deepEqual(statuses(results), {
    ...allPassed,
    ...Object.fromEntries(tables.map((t) => [`fingerprint:${t}`, 'failed'])),
  });
  for (const table of tables) {
    assert.match(
      results.find((r) => r.id === `fingerprint:${table}`)!.message,
      new RegExp(
        `^${table.replace('.', '\\.')}: (table|materialized view).* content differs from the backup although the row count matches`,
      ),
    );
  }
}

// What a naive sum of hash_record_extended over the values would give for these rows (the trap is real if equal).
async function naive(rows: string): Promise<string> {
  const { rows: r } = await source.query<{ h: string }>(
    `select sum(hash_record_extended(v.r, 1))::text || ':' || sum(hash_record_extended(v.r, 2))::text as h from (${rows}) v(r)`,
  );
  return r[0]!.h;
}

test('the sound dump restore passes every fingerprint by value hashing, though enum and reg* OIDs changed', async () => {
  assert.equal(expected.get('value-hash')!.fingerprintAlgorithm, 'value-hash');
  assert.deepEqual(statuses(await compareAltered('select 1')), allPassed);
  // The OIDs a value hash of enums and reg* types would read are not the backup's.
  const oids = async (client: pg.Client): Promise<string> =>
    (
      await client.query<{ o: string }>(
        `select (select string_agg(oid::text, ',' order by enumsortorder) from pg_enum where enumtypid = 'fp.mood'::regtype) || '/' || string_agg(rc::oid::text || ' ' || rt::oid::text, ',' order by id) as o from fp.traps`,
      )
    ).rows[0]!.o;
  assert.notEqual(await oids(restored), await oids(source));
});

test('a change of case under a nondeterministic collation fails: in a column, through a domain, in citext', async () => {
  assert.equal(
    await naive(`select row('Alpha'::text collate fp.ci)`),
    await naive(`select row('ALPHA'::text collate fp.ci)`),
    'the naive hash is case-blind here',
  );
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set ci = 'ALPHA' where id = 1`), 'fp.traps');
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set dom = 'MIXED' where id = 1`), 'fp.traps');
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set cit = 'HELLO' where id = 1`), 'fp.traps');
});

test('numeric 1.0 → 1.00, float -0 → 0, interval 1 day → 24 hours, timetz in another zone at the same instant: each fails', async () => {
  assert.equal(
    await naive(`select row(1.0::numeric, '-0'::float8, '1 day'::interval)`),
    await naive(`select row(1.00::numeric, '0'::float8, '24 hours'::interval)`),
    'the naive hash equates these',
  );
  for (const change of ['n = 1.00', "f8 = '0'", "f4 = '0'", "iv = '24 hours'", "tz = '13:00:00+01'"]) {
    assertOnlyContentDiffers(await compareAltered(`update fp.traps set ${change} where id = 1`), 'fp.traps');
  }
  // The materialized view over numeric is refreshed by the restore: its content as refreshed differs too.
  const view = await compareAltered('update fp.traps set n = 1.00 where id = 1');
  assert.equal(
    statuses(view)['fingerprint:fp.traps_view'],
    'passed',
    'a stored view keeps what the restore refreshed it to',
  );
});

test('json key order and whitespace, jsonb numeric scale, xml and point (no hash function) changes fail', async () => {
  for (const change of [
    `j = '{"b": 2, "a": 1}'`,
    `j = '{"a":1,"b":2}'`,
    `jb = '{"a": 1.00}'`,
    `x = '<a >1</a>'`,
    `p = '(1,3)'`,
  ]) {
    assertOnlyContentDiffers(await compareAltered(`update fp.traps set ${change} where id = 1`), 'fp.traps');
  }
});

test('an enum label renamed or reordered, another relation in a regclass, array bounds, bpchar blanks, range and composite: each fails', async () => {
  assertOnlyContentDiffers(
    await compareAltered(`alter type fp.mood rename value 'ok' to 'fine'`),
    'fp.traps',
    'fp.traps_view',
  );
  for (const change of [
    `m = 'happy'`,
    `rc = 'fp.traps'`,
    `rt = 'bigint'`,
    `arr = '[0:1]={1,2}'`,
    `bp = 'a '`,
    `r = '[1,6)'`,
    `pr = '(1,y)'`,
    `ip = '10.0.0.1/25'`,
  ]) {
    assertOnlyContentDiffers(await compareAltered(`update fp.traps set ${change} where id = 1`), 'fp.traps');
  }
  assert.equal(
    await naive(`select row('[0:1]={1,2}'::int4[], 'a'::bpchar)`),
    await naive(`select row('{1,2}'::int4[], 'a '::bpchar)`),
    'the naive hash equates these',
  );
});

test('8-byte values that hashint8extended folds alike fail: bigint 1 → 4294967296, a timestamp moved to its twin', async () => {
  assert.equal(await naive('select row(1::int8)'), await naive('select row(4294967296::int8)'));
  assertOnlyContentDiffers(await compareAltered('update fp.by_value set big = 4294967296 where id = 1'), 'fp.by_value');
  // The timestamp whose 64-bit value folds (high half xor low half) into the same 32 bits as row 1's.
  const twin = `(select '2000-01-01'::timestamp + (((((v >> 32) + 1) << 32) | ((v & 4294967295) # (v >> 32) # ((v >> 32) + 1)))::text || ' microseconds')::interval as ts
                   from (select (extract(epoch from ts - '2000-01-01') * 1000000)::int8 as v from fp.by_value where id = 1) s)`;
  const { rows } = await source.query<{
    same: boolean;
    apart: string;
  }>(`select hashint8extended((extract(epoch from ts - '2000-01-01') * 1000000)::int8, 1) = hashint8extended((extract(epoch from (${twin}) - '2000-01-01') * 1000000)::int8, 1) as same,
      ((${twin}) - ts)::text as apart from fp.by_value where id = 1`);
  assert.deepEqual(rows[0], { same: true, apart: rows[0]!.apart });
  assert.equal(
    await naive(`select row(ts) from fp.by_value where id = 1`),
    await naive(`select row(${twin})`),
    `the naive hash equates timestamps ${rows[0]!.apart} apart`,
  );
  assertOnlyContentDiffers(await compareAltered(`update fp.by_value set ts = ${twin} where id = 1`), 'fp.by_value');
  assertOnlyContentDiffers(await compareAltered(`update fp.by_value set tstz = ${twin} where id = 1`), 'fp.by_value');
});

test('values swapped between two rows of one column fail, though a naive sum of record hashes may stay the same', async () => {
  // A naive sum sees a swap only where a row's combination wraps around 64 bits (here in one half of two).
  const half = async (rows: string): Promise<string> => (await naive(rows)).split(':')[0]!;
  assert.equal(
    await half(`select row(1, 'one'::text) union all select row(2, ''::text)`),
    await half(`select row(1, ''::text) union all select row(2, 'one'::text)`),
    'the naive sum misses a swap',
  );
  for (const [swap, table] of [
    [`update fp.by_value set txt = case id when 1 then '' else 'one' end where id in (1, 2)`, 'fp.by_value'],
    [`update fp.traps set m = case id when 1 then 'meh'::fp.mood else 'ok' end where id in (1, 2)`, 'fp.traps'],
  ] as const) {
    const results = await compareAltered(swap);
    assertOnlyContentDiffers(results, table);
    // Each 64-bit half sees it on its own: rows are hashed again after their fields are combined.
    const check = results.find((r) => r.id === `fingerprint:${table}`)!;
    const [want, got] = [String(check.expected).split(':'), String(check.actual).split(':')];
    assert.ok(
      want[0] !== got[0] && want[1] !== got[1],
      `${table}: both halves differ (${String(check.expected)} → ${String(check.actual)})`,
    );
  }
});

test("NULL and '' differ, by value and by text; a dropped column fails the fingerprint", async () => {
  assertOnlyContentDiffers(await compareAltered(`update fp.by_value set txt = '' where id = 3`), 'fp.by_value');
  assertOnlyContentDiffers(await compareAltered(`update fp.by_value set txt = null where id = 2`), 'fp.by_value');
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set cit = '' where id = 3`), 'fp.traps');
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set cit = null where id = 2`), 'fp.traps');
  assertOnlyContentDiffers(await compareAltered(`alter table fp.by_value drop column ch`), 'fp.by_value');
});

test('expectations stored as md5 of row text are still compared by md5: the sound restore passes, a change fails', async () => {
  const md5 = expected.get('md5-text')!;
  assert.equal(md5.fingerprintAlgorithm, 'md5-text');
  // The same digits as the formula such expectations were stored with (columns by name, row text, md5 halves summed).
  const { rows } = await source.query<{
    h: string;
  }>(`select sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric) || ':' || sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric) as h
     from (select md5(row(t.big, t.c3, t.ch, t.d, t.flag, t.id, t.nm, t.raw, t.small, t.t, t.ts, t.tstz, t.txt, t.u, t.vc)::text) as h from only fp.by_value t) s`);
  assert.equal(md5.tables.find((t) => t.name === 'by_value')!.fingerprint, rows[0]!.h);
  assert.deepEqual(statuses(await compareAltered('select 1', 'md5-text')), allPassed);
  assertOnlyContentDiffers(await compareAltered(`update fp.traps set n = 2.0 where id = 1`, 'md5-text'), 'fp.traps');
});

test('tables counted on more sessions in the exported snapshot see what it saw, not changes committed since', async () => {
  const holder = await cluster.connect('source');
  const plain: pg.Client[] = [];
  const fingerprints = (e: Expectations): string[] => e.tables.map((t) => `${t.name} ${t.rows} ${t.fingerprint}`);
  try {
    await holder.query('begin isolation level repeatable read read only');
    await pinSession(holder);
    const snapshot = (await holder.query<{ s: string }>('select pg_export_snapshot() as s')).rows[0]!.s;
    // Committed after the export, before the sessions start (their own snapshots would see it).
    await source.query(`update fp.by_value set txt = 'later' where id = 1; update fp.traps set n = 2 where id = 1`);
    const inSnapshot = await snapshotSessions(cluster.clientConfig('source'), snapshot, 2);
    assert.equal(inSnapshot.length, 2);
    const options = { fingerprints: true, largeObjectContent: false, matviewsAsRefreshed: true } as const;
    assert.deepEqual(
      fingerprints(await captureExpectations(holder, { ...options, scanSessions: inSnapshot })),
      fingerprints(expected.get('value-hash')!),
    );
    await Promise.all(inSnapshot.map((s) => s.end()));
    // The control: sessions outside the snapshot are given tables too, and see the change.
    for (const _ of [1, 2]) plain.push(await cluster.connect('source'));
    for (const session of plain) await pinSession(session);
    assert.notDeepEqual(
      fingerprints(await captureExpectations(holder, { ...options, scanSessions: plain })),
      fingerprints(expected.get('value-hash')!),
    );
  } finally {
    await holder.end();
    await Promise.all(plain.map((s) => s.end()));
    await source.query(`update fp.by_value set txt = 'one' where id = 1; update fp.traps set n = 1.0 where id = 1`);
  }
});

test('a restore computes the algorithm its backup recorded, md5-text when it recorded none, on jobs sessions side by side', async () => {
  const storedBefore: Expectations = { ...expected.get('md5-text')! };
  delete storedBefore.fingerprintAlgorithm;
  for (const [label, stored, jobs] of [
    ['value-hash', expected.get('value-hash')!, 2],
    ['stored before algorithms', storedBefore, 3],
  ] as const) {
    const results = await runRestoreChecks(
      {
        cluster,
        database: 'restored',
        expected: stored,
        exactness: 'exact',
        physical: false,
        jobs,
        log: silentLogger(),
      },
      [{ kind: 'rowcounts' }, { kind: 'fingerprints' }],
    );
    assert.deepEqual(statuses(results.filter((r) => TABLES.some((t) => r.id.endsWith(`:${t}`)))), allPassed, label);
  }
  // Digits of one algorithm against the other's would differ: the restore did compute md5-text for the old backup.
  assert.notEqual(expected.get('md5-text')!.tables[0]!.fingerprint, expected.get('value-hash')!.tables[0]!.fingerprint);
});
