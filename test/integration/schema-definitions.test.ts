// Schema comparison by definition against real PostgreSQL 15: a database restored from pg_dump matches its source;
// each class of changed definition, applied to the restore in a transaction, fails naming the object and both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type pg from 'pg';
import { Cluster } from '../../src/env/cluster.ts';
import { captureExpectations, type Expectations } from '../../src/expectations/capture.ts';
import { compareExpectations } from '../../src/expectations/compare.ts';
import { pinSession } from '../../src/expectations/session.ts';
import { ensureMarkerTable } from '../../src/source/markers.ts';
import type { CheckResult } from '../../src/run/result.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchCluster, type ScratchCluster } from '../helpers/scratch-cluster.ts';

const KINDS = new Set(['rowcounts', 'fingerprints', 'schema', 'sequences']);
let scratch: ScratchCluster;
let cluster: Cluster;
let expected: Expectations;
let restored: pg.Client;

before(async () => {
  scratch = await scratchCluster('schema');
  cluster = scratch.cluster;
  await sql('postgres', 'create database source');
  for (const fixture of [join(ROOT, 'fixtures/shop.sql'), join(ROOT, 'test/fixtures/schema-classes.sql')]) {
    await cluster.runtime.tool('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      cluster.conninfo('source'),
      '-f',
      fixture,
    ]);
  }
  // The restore a dump drill makes: pg_dump -Fd, then pg_restore into a new database of the same cluster.
  await scratch.dumpAndRestore('source', 'restored');
  expected = await capture('source', true);
  restored = await cluster.connect('restored');
  await pinSession(restored);
});

after(async () => {
  await restored?.end();
  await scratch?.dispose();
});

async function sql(database: string, text: string): Promise<void> {
  const client = await cluster.connect(database);
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function capture(database: string, matviewsAsRefreshed = false): Promise<Expectations> {
  const client = await cluster.connect(database);
  try {
    await pinSession(client);
    return await captureExpectations(client, { fingerprints: true, largeObjectContent: true, matviewsAsRefreshed });
  } finally {
    await client.end();
  }
}

// Alter the restored database inside a transaction, compare, roll back: every case starts from the clean restore.
async function compareAltered(alteration: string): Promise<CheckResult[]> {
  await restored.query('begin');
  try {
    await restored.query(alteration);
    const actual = await captureExpectations(restored, { fingerprints: true, largeObjectContent: true });
    return compareExpectations(expected, actual, {
      exactness: 'exact',
      kinds: KINDS,
      unloggedEmpty: false,
      durationMs: 0,
    });
  } finally {
    await restored.query('rollback');
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the restore of an unaltered dump passes every schema, row count and fingerprint check', async () => {
  const results = await compareAltered('select 1');
  const bad = results.filter((r) => r.status !== 'passed');
  assert.deepEqual(
    bad.map((r) => `${r.id}: ${r.message}`),
    [],
  );
  const definitions = results.find((r) => r.id === 'schema:definitions')!;
  assert.ok((definitions.expected as number) > 200, `compared ${String(definitions.expected)} objects`);
  const objects = results.find((r) => r.id === 'schema:objects')!;
  for (const kind of [
    'column',
    'index',
    'constraint',
    'trigger',
    'policy',
    'rule',
    'publication',
    'statistics',
    'default privileges',
    'domain constraint',
    'sequence',
    'function',
    'view',
  ]) {
    assert.match(objects.message, new RegExp(`\\b${kind}: \\d+`), `${kind} objects are captured`);
  }
});

interface Alteration {
  /** The class of definition this case changes. */
  what: string;
  sql: string;
  object: string;
  aspect: string;
  /** A piece of the backup's value and of the restored one, both of which the message must show. */
  backup: string;
  restored: string;
}

const ALTERATIONS: Alteration[] = [
  {
    what: 'view definition',
    sql: 'create or replace view lab.big_items as select id, code, lab.double(qty) as twice from lab.items where qty > 39',
    object: 'view lab.big_items',
    aspect: 'definition',
    backup: 'qty > 40',
    restored: 'qty > 39',
  },
  {
    what: 'index predicate',
    sql: 'drop index lab.items_big_idx; create index items_big_idx on lab.items (qty) where qty > 11',
    object: 'index lab.items_big_idx',
    aspect: 'definition',
    backup: 'qty > 10',
    restored: 'qty > 11',
  },
  {
    what: 'function body',
    sql: 'create or replace function lab.double(x integer) returns integer language sql immutable as $$ select x * 3 $$',
    object: 'function lab.double(x integer)',
    aspect: 'definition',
    backup: 'x * 2',
    restored: 'x * 3',
  },
  {
    what: 'function body (SQL-standard)',
    sql: 'create or replace function lab.triple(x integer) returns integer language sql immutable return x * 4',
    object: 'function lab.triple(x integer)',
    aspect: 'definition',
    backup: 'x * 3',
    restored: 'x * 4',
  },
  {
    what: 'function volatility',
    sql: 'alter function lab.double(integer) stable',
    object: 'function lab.double(x integer)',
    aspect: 'definition',
    backup: 'IMMUTABLE',
    restored: 'STABLE',
  },
  {
    what: 'column type',
    sql: 'alter table shop.customers alter column notes type varchar(500)',
    object: 'column shop.customers.notes',
    aspect: 'type',
    backup: '"text"',
    restored: '"character varying(500)"',
  },
  {
    what: 'column default',
    sql: 'alter table lab.items alter column qty set default 2',
    object: 'column lab.items.qty',
    aspect: 'default',
    backup: '"1"',
    restored: '"2"',
  },
  {
    what: 'column collation',
    sql: 'alter table lab.items alter column label type text collate "POSIX"',
    object: 'column lab.items.label',
    aspect: 'collation',
    backup: 'default',
    restored: 'POSIX',
  },
  {
    what: 'column identity',
    sql: 'alter table lab.items alter column id set generated always',
    object: 'column lab.items.id',
    aspect: 'identity',
    backup: '"by default"',
    restored: '"always"',
  },
  {
    what: 'generated column expression',
    sql: 'alter table lab.items drop column total; alter table lab.items add column total numeric generated always as (qty * price * 2) stored',
    object: 'column lab.items.total',
    aspect: 'generated',
    backup: 'price)"',
    restored: '(2)::numeric',
  },
  {
    what: 'column NOT NULL',
    sql: 'alter table lab.items alter column label set not null',
    object: 'column lab.items.label',
    aspect: 'not null',
    backup: '"false"',
    restored: '"true"',
  },
  {
    what: 'column storage',
    sql: 'alter table shop.products alter column image set storage extended',
    object: 'column shop.products.image',
    aspect: 'storage',
    backup: '"external"',
    restored: '"extended"',
  },
  {
    what: 'constraint definition',
    sql: 'alter table lab.items drop constraint items_qty_positive, add constraint items_qty_positive check (qty >= 0)',
    object: 'constraint lab.items.items_qty_positive',
    aspect: 'definition',
    backup: '(qty > 0)',
    restored: '(qty >= 0)',
  },
  {
    what: 'constraint validity (NOT VALID)',
    sql: 'alter table lab.items validate constraint items_price_nonnegative',
    object: 'constraint lab.items.items_price_nonnegative',
    aspect: 'validated',
    backup: '"false"',
    restored: '"true"',
  },
  {
    what: 'domain constraint',
    sql: "alter domain lab.code drop constraint code_shape; alter domain lab.code add constraint code_shape check (value ~ '^[a-z]+$')",
    object: 'domain constraint lab.code.code_shape',
    aspect: 'definition',
    backup: '[0-9]',
    restored: "'^[a-z]+$'",
  },
  {
    what: 'trigger definition',
    sql: 'drop trigger items_touch on lab.items; create trigger items_touch before insert or update on lab.items for each row execute function lab.touch()',
    object: 'trigger lab.items.items_touch',
    aspect: 'definition',
    backup: 'BEFORE UPDATE',
    restored: 'BEFORE INSERT OR UPDATE',
  },
  {
    what: 'trigger enabled state',
    sql: 'alter table lab.items disable trigger items_touch',
    object: 'trigger lab.items.items_touch',
    aspect: 'enabled',
    backup: '"origin"',
    restored: '"disabled"',
  },
  {
    what: 'trigger enabled state on a partition',
    sql: 'alter table shop.orders_2024_01 disable trigger orders_audit',
    object: 'trigger shop.orders_2024_01.orders_audit',
    aspect: 'enabled',
    backup: '"origin"',
    restored: '"disabled"',
  },
  {
    what: 'policy expression',
    sql: 'alter policy items_by_owner on lab.items using (owner_name = session_user)',
    object: 'policy lab.items.items_by_owner',
    aspect: 'using',
    backup: 'CURRENT_USER',
    restored: 'SESSION_USER',
  },
  {
    what: 'policy roles',
    sql: 'alter policy items_by_owner on lab.items to public',
    object: 'policy lab.items.items_by_owner',
    aspect: 'roles',
    backup: '"shop_reader"',
    restored: '"public"',
  },
  {
    what: 'row security flag',
    sql: 'alter table lab.items disable row level security',
    object: 'table lab.items',
    aspect: 'row security',
    backup: '"true"',
    restored: '"false"',
  },
  {
    what: 'forced row security flag',
    sql: 'alter table lab.items force row level security',
    object: 'table lab.items',
    aspect: 'force row security',
    backup: '"false"',
    restored: '"true"',
  },
  {
    what: 'table owner',
    sql: 'alter table lab.items owner to shop_owner',
    object: 'table lab.items',
    aspect: 'owner',
    backup: '"postgres"',
    restored: '"shop_owner"',
  },
  {
    what: 'function owner',
    sql: 'alter function lab.touch() owner to shop_owner',
    object: 'function lab.touch()',
    aspect: 'owner',
    backup: '"postgres"',
    restored: '"shop_owner"',
  },
  {
    what: 'table ACL',
    sql: 'revoke insert on lab.items from shop_reader',
    object: 'table lab.items',
    aspect: 'acl',
    backup: 'shop_reader=ar/postgres',
    restored: 'shop_reader=r/postgres',
  },
  {
    what: 'column ACL',
    sql: 'revoke select (holder) on lab.ticket_holders from shop_reader',
    object: 'column lab.ticket_holders.holder',
    aspect: 'acl',
    backup: '"shop_reader=r/postgres"',
    restored: '""',
  },
  {
    what: 'schema ACL',
    sql: 'revoke usage on schema lab from shop_reader',
    object: 'schema lab',
    aspect: 'acl',
    backup: 'shop_reader=U/shop_owner',
    restored: 'shop_owner=UC/shop_owner"',
  },
  {
    what: 'function ACL',
    sql: 'grant execute on function lab.double(integer) to public',
    object: 'function lab.double(x integer)',
    aspect: 'acl',
    backup: '"postgres=X/postgres shop_reader=X/postgres"',
    restored: '"=X/postgres postgres=X/postgres shop_reader=X/postgres"',
  },
  {
    what: 'sequence ACL',
    sql: 'revoke usage on sequence lab.tickets from shop_reader',
    object: 'sequence lab.tickets',
    aspect: 'acl',
    backup: 'shop_reader=U/postgres',
    restored: '"postgres=rwU/postgres"',
  },
  {
    what: 'type ACL',
    sql: 'grant usage on type lab.mood to public',
    object: 'type lab.mood',
    aspect: 'acl',
    backup: '"postgres=U/postgres shop_reader=U/postgres"',
    restored: '"=U/postgres postgres=U/postgres shop_reader=U/postgres"',
  },
  {
    what: 'default privileges',
    sql: 'alter default privileges in schema lab grant insert on tables to shop_reader',
    object: 'default privileges for role postgres in schema lab on tables',
    aspect: 'acl',
    backup: '"shop_reader=r/postgres"',
    restored: '"shop_reader=ar/postgres"',
  },
  {
    what: 'table comment',
    sql: "comment on table lab.items is 'other things'",
    object: 'table lab.items',
    aspect: 'comment',
    backup: '"things in the lab"',
    restored: '"other things"',
  },
  {
    what: 'column comment removed',
    sql: 'comment on column lab.items.code is null',
    object: 'column lab.items.code',
    aspect: 'comment',
    backup: '"unique code, C collation"',
    restored: '(none)',
  },
  {
    what: 'sequence parameters',
    sql: 'alter sequence lab.tickets increment 4 cycle',
    object: 'sequence lab.tickets',
    aspect: 'increment',
    backup: '"3"',
    restored: '"4"',
  },
  {
    what: 'sequence maximum',
    sql: 'alter sequence lab.tickets maxvalue 200000',
    object: 'sequence lab.tickets',
    aspect: 'maximum',
    backup: '"100000"',
    restored: '"200000"',
  },
  {
    what: 'sequence OWNED BY',
    sql: 'alter sequence lab.tickets owned by none',
    object: 'sequence lab.tickets',
    aspect: 'owned by',
    backup: '"lab.ticket_holders.ticket"',
    restored: '(none)',
  },
  {
    what: 'rule definition',
    sql: 'create or replace rule items_keep_big as on delete to lab.items where old.qty > 999 do instead nothing',
    object: 'rule lab.items.items_keep_big',
    aspect: 'definition',
    backup: '1000',
    restored: '999',
  },
  {
    what: 'publication tables',
    sql: 'alter publication lab_pub drop table lab.ticket_holders',
    object: 'publication lab_pub',
    aspect: 'tables',
    backup: '"lab.items, lab.ticket_holders"',
    restored: '"lab.items"',
  },
  {
    what: 'publication actions',
    sql: "alter publication lab_pub set (publish = 'insert')",
    object: 'publication lab_pub',
    aspect: 'publish',
    backup: '"insert, update, delete, truncate"',
    restored: '"insert"',
  },
  {
    what: 'extended statistics definition',
    sql: 'drop statistics lab.items_stats; create statistics lab.items_stats (ndistinct) on qty, price from lab.items',
    object: 'statistics lab.items_stats',
    aspect: 'definition',
    backup: 'dependencies',
    restored: 'ndistinct',
  },
  {
    what: 'extended statistics target',
    sql: 'alter statistics lab.items_stats set statistics 50',
    object: 'statistics lab.items_stats',
    aspect: 'statistics',
    backup: '(none)',
    restored: '"50"',
  },
  {
    what: 'replica identity',
    sql: 'alter table lab.items replica identity full',
    object: 'table lab.items',
    aspect: 'replica identity',
    backup: '"index items_code_key"',
    restored: '"full"',
  },
  {
    what: 'storage parameters (reloptions)',
    sql: 'alter table lab.items set (fillfactor = 80)',
    object: 'table lab.items',
    aspect: 'options',
    backup: 'fillfactor=90',
    restored: 'fillfactor=80',
  },
  {
    what: 'enum labels',
    sql: "alter type lab.mood add value 'great'",
    object: 'type lab.mood',
    aspect: 'labels',
    backup: "'happy'\"",
    restored: "'great'",
  },
  {
    what: 'materialized view definition',
    sql: "drop materialized view reporting.daily_sales; create materialized view reporting.daily_sales as select (o.ordered_at at time zone 'UTC')::date as day, count(*) as orders, sum(o.total)::numeric(14, 2) as revenue from shop.orders o group by 1; create unique index daily_sales_day_key on reporting.daily_sales (day)",
    object: 'materialized view reporting.daily_sales',
    aspect: 'definition',
    backup: "'cancelled'",
    restored: 'GROUP BY',
  },
];

for (const a of ALTERATIONS) {
  test(`a changed ${a.what} fails schema:definitions naming ${a.object} and both sides`, async () => {
    const results = await compareAltered(a.sql);
    const check = results.find((r) => r.id === 'schema:definitions')!;
    assert.equal(check.status, 'failed', check.message);
    assert.match(
      check.message,
      new RegExp(
        `${escape(a.object)}: (.*; )?${escape(a.aspect)}: backup (\\(none\\)|".*?${escape(a.backup.replace(/^"|"$/g, ''))}.*?"), restored (\\(none\\)|".*?${escape(a.restored.replace(/^"|"$/g, ''))}.*?")`,
      ),
    );
    const expectedSide = (check.expected as Record<string, Record<string, string | null>>)[a.object];
    const actualSide = (check.actual as Record<string, Record<string, string | null>>)[a.object];
    assert.ok(expectedSide && a.aspect in expectedSide, "expected carries the backup's value of the differing aspect");
    assert.ok(actualSide && a.aspect in actualSide, 'actual carries the restored value');
    if (a.backup === '(none)') assert.equal(expectedSide[a.aspect], null);
    if (a.restored === '(none)') assert.equal(actualSide[a.aspect], null);
  });
}

test('a dropped index, policy or default privilege and an added table fail schema:objects by name', async () => {
  const results = await compareAltered(
    'drop index lab.items_big_idx; drop policy items_by_owner on lab.items; alter default privileges in schema lab revoke select on tables from shop_reader; create table lab.extra (id integer)',
  );
  const objects = results.find((r) => r.id === 'schema:objects')!;
  assert.equal(objects.status, 'failed');
  assert.match(
    objects.message,
    /missing 3: default privileges for role postgres in schema lab on tables, index lab\.items_big_idx, policy lab\.items\.items_by_owner/,
  );
  assert.match(objects.message, /unexpected 2: column lab\.extra\.id, table lab\.extra/);
  assert.ok('index lab.items_big_idx' in (objects.expected as { missing: Record<string, unknown> }).missing);
});

test('a schema named recoverable that the user made is compared like any other, data included', async () => {
  const results = await compareAltered(
    "create schema recoverable; create table recoverable.notes (id integer primary key, body text); insert into recoverable.notes values (1, 'mine')",
  );
  const objects = results.find((r) => r.id === 'schema:objects')!;
  assert.equal(objects.status, 'failed');
  assert.match(
    objects.message,
    /unexpected \d+: .*index recoverable\.notes_pkey.*schema recoverable.*table recoverable\.notes/,
  );
});

test("Recoverable's tagged marker schema and table are left out, and only they", async () => {
  await sql('postgres', 'create database with_markers template source');
  await sql('postgres', 'create database user_recoverable template source');
  try {
    const plain = await capture('source');
    // A source where Recoverable created the schema: nothing of it is compared.
    const client = await cluster.connect('with_markers');
    try {
      await ensureMarkerTable(client);
      await client.query("insert into recoverable.markers (label) values ('batch-1')");
    } finally {
      await client.end();
    }
    const marked = await capture('with_markers');
    assert.deepEqual(
      marked.schemaObjects!.map((o) => o.name),
      plain.schemaObjects!.map((o) => o.name),
      "the tool's schema, table, sequence and index are not objects",
    );
    assert.equal(
      marked.tables.some((t) => t.schema === 'recoverable'),
      false,
    );
    assert.equal(
      marked.sequences.some((s) => s.schema === 'recoverable'),
      false,
    );
    // A source where the user owns `recoverable`: the user's objects are compared, the tagged markers table is not.
    const own = await cluster.connect('user_recoverable');
    try {
      await own.query(
        "create schema recoverable; create table recoverable.notes (id integer primary key, body text); insert into recoverable.notes values (1, 'mine')",
      );
      await ensureMarkerTable(own);
    } finally {
      await own.end();
    }
    const user = await capture('user_recoverable');
    const names = user.schemaObjects!.map((o) => o.name).filter((n) => /recoverable/.test(n));
    assert.deepEqual(names, [
      'column recoverable.notes.body',
      'column recoverable.notes.id',
      'constraint recoverable.notes.notes_pkey',
      'index recoverable.notes_pkey',
      'schema recoverable',
      'table recoverable.notes',
    ]);
    assert.deepEqual(
      user.tables.filter((t) => t.schema === 'recoverable').map((t) => [t.name, t.rows]),
      [['notes', 1]],
    );
  } finally {
    await sql('postgres', 'drop database with_markers');
    await sql('postgres', 'drop database user_recoverable');
  }
});

test('markers are never written into a recoverable.markers table Recoverable did not create', async () => {
  await sql('postgres', 'create database foreign_markers');
  const client = await cluster.connect('foreign_markers');
  try {
    await client.query('create schema recoverable; create table recoverable.markers (label text)');
    await assert.rejects(
      ensureMarkerTable(client),
      /a table recoverable\.markers exists on the source and Recoverable did not create it/,
    );
  } finally {
    await client.end();
    await sql('postgres', 'drop database foreign_markers');
  }
});
