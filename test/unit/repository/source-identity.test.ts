// A scenario's source identity: what makes a stored backup its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeIdentity, identityDifferences, scenarioIdentity } from '../../../src/repository/source-identity.ts';
import { normalizeScenario } from '../../../src/scenario/normalize.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

const scenario = (fields: Record<string, unknown>) =>
  normalizeScenario(scenarioSchema.parse({ name: 'shop', ...fields }), { path: '/s.yaml', sha256: 'x', cwd: '/' });

test('a managed source is its scenario, database and method; a url source its server and database', () => {
  assert.deepEqual(
    scenarioIdentity(scenario({ source: { managed: { database: 'orders' } }, backup: { method: 'basebackup' } })),
    { scenario: 'shop', method: 'basebackup', kind: 'managed', database: 'orders' },
  );
  const socket = scenarioIdentity(scenario({ source: { url: 'postgresql://app:pw@/shop?host=/var/run/postgresql' } }));
  assert.deepEqual(socket, {
    scenario: 'shop',
    method: 'dump',
    kind: 'url',
    database: 'shop',
    server: '/var/run/postgresql:5432',
  });
  const conninfo = scenarioIdentity(scenario({ source: { url: 'host=/var/run/postgresql dbname=shop user=app' } }));
  assert.deepEqual(
    identityDifferences(socket, conninfo),
    [],
    'the same server and database written as a conninfo is the same source',
  );
  assert.doesNotMatch(JSON.stringify(socket), /pw/);
});

test('every difference is named; the description names the source without secrets', () => {
  const wanted = scenarioIdentity(
    scenario({ source: { url: 'postgresql://app@db:5432/shop' }, backup: { method: 'basebackup' } }),
  );
  const found = {
    scenario: 'billing',
    method: 'dump' as const,
    kind: 'url' as const,
    database: 'billing',
    server: 'db2:5432',
  };
  assert.deepEqual(identityDifferences(wanted, found), [
    'scenario "billing", not "shop"',
    'a dump, not a basebackup',
    'database "billing", not "shop"',
    'server db2:5432, not db:5432',
  ]);
  assert.equal(describeIdentity(wanted), 'scenario "shop" (server db:5432, database shop, basebackup)');
  const { server: _recorded, ...unrecorded } = wanted;
  assert.deepEqual(
    identityDifferences(wanted, unrecorded),
    ['server (not recorded), not db:5432'],
    'a url record without its server is never taken for this one',
  );
});
