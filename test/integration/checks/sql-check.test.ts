// SQL assertions against a real server: exact numbers, types and NULLs, never through Number().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { Cluster } from '../../../src/env/cluster.ts';
import { requireBinaries } from '../../../src/env/binaries.ts';
import { LocalRuntime } from '../../../src/env/local-runtime.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { sqlCheck } from '../../../src/checks/sql-check.ts';
import type { CheckSpec } from '../../../src/scenario/types.ts';

let root: string;
let cluster: Cluster;
let client: pg.Client;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-sqlcheck-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
  cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres'])),
    { dataChecksums: false },
    silentLogger(),
  );
  await cluster.start();
  client = await cluster.connect();
});
after(async () => {
  await client?.end();
  await cluster?.dispose();
  await rm(root, { recursive: true, force: true });
});

const check = (query: string, expect: Extract<CheckSpec, { kind: 'sql' }>['expect']) =>
  sqlCheck(client, { kind: 'sql', query, expect, name: query }, 0);

test('bigint and numeric beyond a double fail when one digit differs, pass when equal', async () => {
  assert.equal((await check('select 9007199254740992::bigint', { decimal: '9007199254740993' })).status, 'failed');
  assert.equal((await check('select 9007199254740993::bigint', { decimal: '9007199254740993' })).status, 'passed');
  const rounded = await check('select 100.000000000000000001::numeric', 100);
  assert.equal(rounded.status, 'failed');
  assert.match(rounded.message, /numeric 100\.000000000000000001, expected 100/);
  assert.equal((await check('select 1.00::numeric', 1)).status, 'passed');
  assert.equal((await check("select 'NaN'::float8", 'NaN')).status, 'passed');
});

test('types are part of the value: text is not a number, a boolean is not text, NULL is not 0', async () => {
  assert.equal((await check("select '5'::text", 5)).status, 'failed');
  assert.equal((await check("select '5'::text", '5')).status, 'passed');
  assert.equal((await check('select true', true)).status, 'passed');
  assert.equal((await check('select false', true)).status, 'failed');
  assert.equal((await check('select null::int', 0)).status, 'failed');
  assert.equal((await check('select null::int', null)).status, 'passed');
  assert.equal((await check('select 0', null)).status, 'failed');
  assert.equal((await check("select date '2024-02-29'", '2024-02-29')).status, 'passed');
});

test('a query error is errored, never passed', async () => {
  const result = await check('select * from no_such_table', 0);
  assert.equal(result.status, 'errored');
  assert.match(result.message, /no_such_table/);
});
