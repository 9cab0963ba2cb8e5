// The first drill end to end: the quickstart as a newcomer runs it, and as an unprivileged user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, ROOT } from '../helpers/cli.ts';
import { workspace, dumpScenario } from '../helpers/workspace.ts';
import type { RunResult } from '../../src/run/result.ts';

// Count <testcase> and <failure> elements of a JUnit file.
function junitCounts(xml: string): { cases: number; failures: number } {
  return { cases: (xml.match(/<testcase\b/g) ?? []).length, failures: (xml.match(/<failure\b/g) ?? []).length };
}

async function onlyRun(reportsDir: string): Promise<string> {
  const runs = await readdir(reportsDir);
  assert.equal(runs.length, 1, `one run directory expected in ${reportsDir}, found ${runs.join(', ')}`);
  return join(reportsDir, runs[0]!);
}

test('the quickstart drill passes and writes result.json, junit.xml and summary.md that agree', async () => {
  const ws = await workspace();
  try {
    await cp(join(ROOT, 'scenarios'), join(ws.dir, 'scenarios'), { recursive: true });
    const run = await cli(['drill', 'scenarios/quickstart.yaml'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^PASSED quickstart/m);
    const dir = await onlyRun(join(ws.dir, 'reports'));
    const result = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.schemaVersion, 1);
    assert.equal(result.verdict, 'passed');
    assert.equal(result.backup?.method, 'dump');
    const restore = result.restores[0]!;
    // Every table of the fixture is compared exactly, content included.
    for (const table of [
      'shop.customers',
      'shop.orders_2024_01',
      'shop.order_lines',
      'shop.attachments',
      'audit.scratch',
      'reporting.daily_sales',
    ]) {
      const fp = restore.checks.find((c) => c.id === `fingerprint:${table}`);
      assert.equal(fp?.status, 'passed', `fingerprint of ${table}`);
      assert.equal(fp?.exactness, 'exact');
    }
    for (const kind of ['schema', 'sequences', 'large-objects', 'roles', 'amcheck', 'sql', 'restore']) {
      assert.ok(
        restore.checks.some((c) => c.kind === kind && c.status === 'passed'),
        `a passed ${kind} check`,
      );
    }
    const largeObjects = restore.checks.find((c) => c.id === 'large-objects');
    assert.equal(largeObjects?.actual, 3);
    assert.deepEqual(
      result.objectives.map((o) => [o.name, o.status]),
      [
        ['rto', 'passed'],
        ['rpo', 'passed'],
      ],
    );
    assert.ok(restore.phases.some((p) => p.name === 'pg_restore' && p.durationMs > 0));
    const junit = junitCounts(await readFile(join(dir, 'junit.xml'), 'utf8'));
    const checks = result.checks.length + result.restores.reduce((n, r) => n + r.checks.length, 0);
    assert.equal(junit.cases, checks + result.objectives.length);
    assert.equal(junit.failures, 0);
    assert.match(await readFile(join(dir, 'summary.md'), 'utf8'), /PASSED/);
    assert.deepEqual(await ws.leftoverDirs(), []);
    assert.deepEqual(ws.leftoverProcesses(), []);
  } finally {
    await ws.dispose();
  }
});

// As root, clusters run through uid/gid switching; an ordinary user runs them directly. Test that path too.
const asRoot = process.getuid?.() === 0;
test(
  'a drill run by an unprivileged user (no root, no uid switching) passes the same way',
  { skip: asRoot ? false : 'the suite already runs unprivileged, so every other test covers this path' },
  async () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    const ws = await workspace({ uid, gid });
    try {
      const file = await ws.scenario('drill.yaml', dumpScenario(ws, { transactions: 50 }));
      const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env, user: 'postgres' });
      assert.equal(run.exitCode, 0, run.stderr + run.stdout);
      const result = JSON.parse(
        await readFile(join(await onlyRun(join(ws.dir, 'reports')), 'result.json'), 'utf8'),
      ) as RunResult;
      assert.equal(result.verdict, 'passed');
      assert.deepEqual(await ws.leftoverDirs(), []);
    } finally {
      await ws.dispose();
    }
  },
);

test('backup then a drill with backup.use: latest restores the stored backup and its expectations', async () => {
  const ws = await workspace();
  try {
    const backupFile = await ws.scenario('backup.yaml', dumpScenario(ws));
    const taken = await cli(['backup', backupFile], { cwd: ws.dir, env: ws.env });
    assert.equal(taken.exitCode, 0, taken.stderr);
    const id = taken.stdout.trim();
    assert.match(id, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const listed = await cli(['list', backupFile], { cwd: ws.dir, env: ws.env });
    assert.match(listed.stdout, new RegExp(id));
    const drillFile = await ws.scenario('drill.yaml', dumpScenario(ws, { use: 'latest' }));
    const run = await cli(['drill', drillFile], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    const result = JSON.parse(
      await readFile(join(await onlyRun(join(ws.dir, 'reports')), 'result.json'), 'utf8'),
    ) as RunResult;
    assert.equal(result.backup?.id, id);
    assert.equal(result.backup?.taken, false);
    assert.deepEqual(await ws.leftoverDirs(), []);
  } finally {
    await ws.dispose();
  }
});
