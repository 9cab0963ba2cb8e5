// Faults a dump drill must catch: each makes the drill fail with a message naming the cause.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir, stat, truncate, open } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import { buildManifest, MANIFEST_FILE } from '../../src/repository/manifest.ts';
import type { RunResult, CheckResult } from '../../src/run/result.ts';
import { cloneRepository as cloneInto } from '../helpers/repository-copy.ts';

let ws: Workspace;

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  const file = await ws.scenario('backup.yaml', dumpScenario(ws, { transactions: 150 }));
  const taken = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
  assert.equal(taken.exitCode, 0, taken.stderr);
  assert.match(taken.stdout.trim(), /^\d{8}T\d{6}Z-[0-9a-f]{6}$/, 'the backup command prints the new backup id');
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

const cloneRepository = (name: string): Promise<{ repository: string; backup: string }> => cloneInto(ws.dir, name);

// The largest compressed table data file of the dump: where real damage hurts.
async function largestDataFile(backup: string): Promise<string> {
  const dir = join(backup, 'db.dump');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.dat.gz'));
  const sized = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(dir, f))).size })));
  return join(dir, sized.sort((a, b) => b.size - a.size)[0]!.f);
}

// The backup's own scenario (backup.use picks only its own backups) against a copy of the repository, reporting apart.
async function drillCli(
  repository: string,
  name: string,
): Promise<{ exitCode: number; result: RunResult; stdout: string }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    dumpScenario(ws, { use: 'latest', repository }).replace(`${ws.dir}/reports`, `${ws.dir}/reports-${name}`),
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const reports = join(ws.dir, `reports-${name}`);
  const runs = (await readdir(reports)).sort();
  let result: RunResult | undefined;
  for (const r of runs) {
    const candidate = JSON.parse(await readFile(join(reports, r, 'result.json'), 'utf8')) as RunResult;
    if (candidate.scenario.name === 'dump-drill') result = candidate;
  }
  assert.ok(result, `a result for ${name}\n${run.stderr}`);
  return { exitCode: run.exitCode, result, stdout: run.stdout };
}

function check(result: RunResult, id: string): CheckResult | undefined {
  return [...result.checks, ...result.restores.flatMap((r) => r.checks)].find((c) => c.id === id);
}

test('a truncated dump file fails the manifest and the restore, naming the file', async () => {
  const { repository, backup } = await cloneRepository('truncated');
  const victim = await largestDataFile(backup);
  await truncate(victim, Math.floor((await stat(victim)).size / 2));
  const { exitCode, result, stdout } = await drillCli(repository, 'truncated');
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  const manifest = check(result, 'manifest');
  assert.equal(manifest?.status, 'failed');
  const name = victim.split('/').pop()!;
  assert.match(
    manifest!.message,
    new RegExp(`db\\.dump/${name.replace('.', '\\.')} is \\d+ bytes, the manifest says \\d+`),
  );
  assert.equal(
    check(result, 'restore:pg_restore')?.status,
    'failed',
    'pg_restore itself stumbles on the truncated file',
  );
  assert.match(stdout, /^FAILED dump-drill/m);
});

test('one byte changed in a dump data file fails the manifest with the file and its checksum', async () => {
  const { repository, backup } = await cloneRepository('byte');
  const victim = await largestDataFile(backup);
  const handle = await open(victim, 'r+');
  try {
    const at = Math.floor((await handle.stat()).size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
  const { exitCode, result } = await drillCli(repository, 'byte');
  assert.equal(exitCode, 1);
  const manifest = check(result, 'manifest');
  assert.equal(manifest?.status, 'failed');
  assert.match(manifest!.message, /has SHA-256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…/);
  assert.ok(manifest!.message.includes(victim.split('/').pop()!));
});

test('a role missing from the globals makes the restore with owners fail, naming the role', async () => {
  const { repository, backup } = await cloneRepository('role');
  // The backup's globals lack shop_owner (as if they had not been captured); its manifest is consistent.
  const globals = join(backup, 'globals.sql');
  const kept = (await readFile(globals, 'utf8')).split('\n').filter((line) => !/shop_owner/.test(line));
  await writeFile(globals, kept.join('\n'));
  await writeFile(join(backup, MANIFEST_FILE), JSON.stringify(await buildManifest(backup)));
  const { exitCode, result } = await drillCli(repository, 'role');
  assert.equal(exitCode, 1);
  assert.equal(check(result, 'manifest')?.status, 'passed');
  const restore = check(result, 'restore:pg_restore');
  assert.equal(restore?.status, 'failed');
  assert.match(restore!.message, /role "shop_owner" does not exist/);
  const roles = check(result, 'roles');
  assert.equal(roles?.status, 'failed');
  assert.match(roles!.message, /shop_owner/);
});

test('backslash commands written into the globals file never run on the drill host, and the restore fails naming them', async () => {
  const { repository, backup } = await cloneRepository('globals-commands');
  // Where the cluster's user could write, were the commands run (as it, or as the drill's user).
  const marker = join(tmpdir(), `recoverable-globals-commands-${process.pid}`);
  const globals = join(backup, 'globals.sql');
  // Without pg_dumpall's own \restrict line (whoever edits the file removes it), at a line's start and in mid-line.
  const lines = (await readFile(globals, 'utf8')).split('\n').filter((line) => !/^\\(un)?restrict /.test(line));
  lines.push(`\\! touch ${marker}-shell`, `select 1 \\o | touch ${marker}-pipe`, 'select 2;');
  await writeFile(globals, lines.join('\n'));
  await writeFile(join(backup, MANIFEST_FILE), JSON.stringify(await buildManifest(backup)));
  const { exitCode, result } = await drillCli(repository, 'globals-commands');
  assert.equal(exitCode, 1);
  assert.equal(check(result, 'manifest')?.status, 'passed', 'an unsigned repository: only the content can tell');
  await assert.rejects(stat(`${marker}-shell`), /ENOENT/, '\\! did not run');
  await assert.rejects(stat(`${marker}-pipe`), /ENOENT/, '\\o | did not run');
  const globalsCheck = check(result, 'restore:globals');
  assert.equal(globalsCheck?.status, 'failed');
  assert.match(globalsCheck!.message, /psql refused a line of the globals file: .*backslash commands are restricted/);
  // The roles the file creates still come back: only the commands were refused.
  assert.equal(check(result, 'roles')?.status, 'passed', check(result, 'roles')?.message);
});

// Change the restored database between restore and checks, as damage or a bad restore would.
async function drillWithTamper(name: string, sql: string): Promise<RunResult> {
  const file = await ws.scenario(`${name}.yaml`, dumpScenario(ws, { use: 'latest' }));
  const scenario = await loadScenario(file);
  const { result, exitCode } = await runDrill(scenario, {
    log: silentLogger(),
    clock: systemClock,
    afterRestore: async (cluster, database) => {
      const client = await cluster.connect(database);
      try {
        const changed = await client.query(sql);
        assert.equal(changed.rowCount, 1, `the tampering statement must change exactly one row: ${sql}`);
      } finally {
        await client.end();
      }
    },
  });
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  return result;
}

test('one restored row changed: the row count still matches, the fingerprint fails', async () => {
  const result = await drillWithTamper(
    'row-changed',
    "update shop.customers set full_name = full_name || ' (edited)' where id = (select min(id) from shop.customers)",
  );
  assert.equal(check(result, 'rowcount:shop.customers')?.status, 'passed');
  const fp = check(result, 'fingerprint:shop.customers');
  assert.equal(fp?.status, 'failed');
  assert.match(fp!.message, /shop\.customers: table content differs from the backup although the row count matches/);
  assert.equal(check(result, 'fingerprint:shop.products')?.status, 'passed', 'untouched tables still match');
});

test('one restored row deleted: the row count fails by -1', async () => {
  const result = await drillWithTamper(
    'row-deleted',
    'delete from shop.order_lines where ctid = (select min(ctid) from shop.order_lines)',
  );
  const rc = check(result, 'rowcount:shop.order_lines');
  assert.equal(rc?.status, 'failed');
  assert.match(rc!.message, /\(-1\)/);
});

test('one restored row added: the row count fails by +1', async () => {
  const result = await drillWithTamper('row-added', "insert into audit.scratch values (999999, 'added after restore')");
  const rc = check(result, 'rowcount:audit.scratch');
  assert.equal(rc?.status, 'failed');
  assert.match(rc!.message, /\(\+1\)/);
});
