import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeScenario, normalizeTarget } from '../../../src/scenario/normalize.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

const origin = { path: '/work/s.yaml', sha256: 'abc', cwd: '/work' };

test('relative paths resolve against the given directory; absolute ones stay', () => {
  const raw = scenarioSchema.parse({
    name: 'q',
    source: { managed: { fixtures: ['f.sql', '/abs/g.sql'] } },
    repository: '/srv/repo',
    report: { dir: 'out' },
  });
  const scenario = normalizeScenario(raw, origin);
  assert.deepEqual(scenario.source.kind === 'managed' && scenario.source.fixtures, ['/work/f.sql', '/abs/g.sql']);
  assert.equal(scenario.repository, '/srv/repo');
  assert.equal(scenario.report.dir, '/work/out');
});

test('optional settings are left out, never set to undefined', () => {
  const scenario = normalizeScenario(scenarioSchema.parse({ name: 'q', source: { url: 'host=db' } }), origin);
  assert.deepEqual(Object.keys(scenario.backup), ['method', 'jobs', 'archiveTimeoutMs']);
  assert.deepEqual(Object.keys(scenario.restore), ['environment', 'noOwner', 'noPrivileges', 'targets']);
  assert.deepEqual(Object.keys(scenario.source), ['kind', 'url', 'markers']);
});

test('a SQL check is named after its query on one line, at most 60 characters', () => {
  const raw = scenarioSchema.parse({
    name: 'q',
    source: { managed: {} },
    checks: [
      {
        sql: {
          query: "select count(*)\n  from shop.orders\n  where total < 0 and status = 'paid' and created_at > now()",
          expect: 0,
        },
      },
    ],
  });
  const [check] = normalizeScenario(raw, origin).checks;
  assert.equal(check?.kind === 'sql' && check.name, 'select count(*) from shop.orders where total < 0 and stat...');
  assert.equal(check?.kind === 'sql' && check.name.length, 60);
});

test('target labels say the kind, the value, and when the target itself is excluded', () => {
  assert.equal(normalizeTarget('latest').label, 'latest');
  assert.equal(normalizeTarget({ xid: 7, inclusive: true }).label, 'xid:7');
  assert.equal(normalizeTarget({ marker: 'b2', via: 'xid', inclusive: false }).label, 'marker:b2 (exclusive)');
  assert.equal(normalizeTarget({ marker: 'b2', via: 'time', inclusive: true }).label, 'marker:b2 via time');
  assert.equal(normalizeTarget({ name: 'rp' }).label, 'name:rp');
});
