import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  normaliseForUpgrade,
  upgradeRules,
  withoutImpliedMaintain,
  UPGRADE_RULES,
} from '../../../src/expectations/schema-upgrade-rules.ts';
import type { SchemaObject } from '../../../src/expectations/types.ts';

const object = (kind: string, name: string, definition: Record<string, string>): SchemaObject => ({
  kind,
  name: `${kind} ${name}`,
  definition,
});

test('every rule says why, and applies only from an older source into the major that changed', () => {
  for (const rule of UPGRADE_RULES) assert.ok(rule.reason.length > 40, rule.id);
  assert.deepEqual(
    upgradeRules(15, 15).map((r) => r.id),
    [],
  );
  assert.deepEqual(
    upgradeRules(17, 17).map((r) => r.id),
    [],
  );
  assert.deepEqual(
    upgradeRules(15, 16).map((r) => r.id),
    ['view-deparse'],
  );
  assert.deepEqual(
    upgradeRules(15, 17).map((r) => r.id),
    ['view-deparse', 'domain-not-null-constraint', 'maintain-privilege'],
  );
  assert.deepEqual(
    upgradeRules(15, 18).map((r) => r.id),
    [
      'view-deparse',
      'domain-not-null-constraint',
      'maintain-privilege',
      'not-null-constraint',
      'subscription-streaming-default',
    ],
  );
  assert.deepEqual(
    upgradeRules(17, 18).map((r) => r.id),
    ['view-deparse', 'not-null-constraint', 'subscription-streaming-default'],
  );
  assert.deepEqual(
    upgradeRules(13, 14).map((r) => r.id),
    ['view-deparse'],
    'any newer major may deparse a view differently',
  );
  assert.deepEqual(
    upgradeRules(18, 17).map((r) => r.id),
    [],
    'no rule for a restore into an older major',
  );
});

test('NOT NULL constraints a newer major records as rows are dropped from the restored side only', () => {
  const expected = [object('column', 'shop.t.id', { 'not null': 'true', type: 'integer' })];
  const actual = [
    ...expected,
    object('not-null constraint', 'shop.t.t_id_not_null', { definition: 'NOT NULL id', validated: 'true' }),
    object('domain not-null constraint', 'shop.d.d_not_null', { definition: 'NOT NULL' }),
  ];
  const to18 = normaliseForUpgrade(expected, actual, 15, 18);
  assert.deepEqual(to18.actual, expected);
  assert.deepEqual(
    to18.applied.map((r) => r.id),
    ['domain-not-null-constraint', 'not-null-constraint'],
  );
  const to17 = normaliseForUpgrade(expected, actual, 15, 17);
  assert.equal(to17.actual.length, 2, 'table NOT NULL constraints are rows only from 18');
  const within18 = normaliseForUpgrade(actual, actual, 18, 18);
  assert.equal(within18.actual.length, 3, 'within 18 they are compared like any constraint');
});

test('MAINTAIN (m) that came with ALL is removed from restored relation ACLs and table default privileges, nowhere else', () => {
  assert.equal(
    withoutImpliedMaintain('shop_owner=arwdDxtm/shop_owner shop_reader=r/shop_owner'),
    'shop_owner=arwdDxt/shop_owner shop_reader=r/shop_owner',
  );
  assert.equal(withoutImpliedMaintain('a=a*r*w*d*D*x*t*m*/o'), 'a=a*r*w*d*D*x*t*/o', 'ALL WITH GRANT OPTION');
  assert.equal(
    withoutImpliedMaintain('a=rm/o b=m/o'),
    'a=rm/o b=m/o',
    'MAINTAIN granted on its own is a real difference',
  );
  assert.equal(withoutImpliedMaintain('"we=ird"=arwdDxtm/o'), '"we=ird"=arwdDxt/o');
  assert.equal(withoutImpliedMaintain(''), '');
  const actual = [
    object('table', 'shop.t', { acl: 'o=arwdDxtm/o r=rm/o' }),
    object('default privileges', 'for role o in schema shop on tables', { acl: 'r=arwdDxtm/o' }),
    object('default privileges', 'for role o in schema shop on sequences', { acl: 'r=rwUm/o' }),
    object('schema', 'shop', { acl: 'o=UCm/o' }),
  ];
  const { actual: normalised } = normaliseForUpgrade([], actual, 16, 17);
  assert.deepEqual(
    normalised.map((o) => o.definition.acl),
    ['o=arwdDxt/o r=rm/o', 'r=arwdDxt/o', 'r=rwUm/o', 'o=UCm/o'],
  );
});

test("a view definition is taken in the restored server's words when it could deparse the backup's text", () => {
  const expected = [
    object('view', 'shop.v', { definition: ' SELECT p.id FROM shop.p p;', owner: 'o' }),
    object('view', 'shop.w', { definition: ' SELECT 1;' }),
  ];
  const actual = [
    object('view', 'shop.v', { definition: ' SELECT id FROM shop.p p;', owner: 'o' }),
    object('view', 'shop.w', { definition: ' SELECT 2;' }),
  ];
  const { expected: normalised, applied } = normaliseForUpgrade(expected, actual, 15, 17, {
    deparsedHere: { 'view shop.v': ' SELECT id FROM shop.p p;' },
  });
  assert.deepEqual(normalised[0], actual[0]);
  assert.deepEqual(normalised[1], expected[1], "a view the server did not re-deparse keeps the backup's text");
  assert.ok(applied.some((r) => r.id === 'view-deparse'));
  assert.deepEqual(
    normaliseForUpgrade(expected, actual, 17, 17, { deparsedHere: { 'view shop.v': 'x' } }).expected,
    expected,
    'never within one major',
  );
});

test('a subscription that did not stream may stream in parallel after a restore into 18, and only that', () => {
  const sub = (name: string, streaming: string): SchemaObject => ({
    kind: 'subscription',
    name: `subscription ${name}`,
    definition: { streaming },
  });
  const { actual, applied } = normaliseForUpgrade(
    [sub('off', 'off'), sub('on', 'on')],
    [sub('off', 'parallel'), sub('on', 'parallel')],
    15,
    18,
  );
  assert.deepEqual(
    actual.map((o) => o.definition.streaming),
    ['off', 'parallel'],
    'a subscription that streamed keeps its restored value, and differs',
  );
  assert.deepEqual(
    applied.map((r) => r.id),
    ['subscription-streaming-default'],
  );
  assert.equal(
    normaliseForUpgrade([sub('off', 'off')], [sub('off', 'parallel')], 15, 17).actual[0]!.definition.streaming,
    'parallel',
  );
});
