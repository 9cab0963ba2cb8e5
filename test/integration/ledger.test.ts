// The run ledger end to end: drills append to it, `history` and `status` read it, metrics come from it, and a drill
// whose ledger cannot be written still writes its reports and says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rmdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { execa } from 'execa';
import type { CheckStatus, RunResult } from '../../src/run/result.ts';
import { LEDGER_FILE } from '../../src/ledger/run-ledger.ts';
import { RunLedger } from '../../src/ledger/run-ledger.ts';
import { cli, type CliResult } from '../helpers/cli.ts';
import { dumpScenario, workspace, type Workspace } from '../helpers/workspace.ts';

const NAME = 'ledger-drill';
let ws: Workspace;
let scenario: string;
let reuse: string;
let ledgerPath: string;
let metricsFile: string;
let first: CliResult;
let result: RunResult;
const pushes: Array<{ method: string; url: string; body: string }> = [];
let gateway: ReturnType<typeof createServer>;
let gatewayUrl: string;

const run = (args: string[]): Promise<CliResult> => cli(args, { cwd: ws.dir, env: ws.env });

before(async () => {
  ws = await workspace();
  const yaml = (use?: string): string =>
    dumpScenario(ws, { name: NAME, transactions: 50, checks: '[rowcounts, fingerprints]', ...(use ? { use } : {}) });
  scenario = await ws.scenario('ledger.yaml', yaml());
  // Later drills restore the stored backup: a fresh proof without taking another.
  reuse = await ws.scenario('ledger-reuse.yaml', yaml('latest'));
  ledgerPath = join(ws.dir, 'repo', LEDGER_FILE);
  metricsFile = join(ws.dir, 'textfile', 'recoverable.prom');
  await mkdir(join(ws.dir, 'textfile'));
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
  // Before any drill, there is no proof: status is 1.
  const none = await run(['status', scenario, '--max-age', '26h']);
  assert.equal(none.exitCode, 1, none.stdout + none.stderr);
  assert.match(none.stdout, /^STALE ledger-drill: no drill recorded$/m);
  first = await run(['drill', scenario, '--metrics-file', metricsFile, '--pushgateway', gatewayUrl]);
  assert.equal(first.exitCode, 0, first.stderr.slice(-3000));
  const dir = /^report: (.+)$/m.exec(first.stdout)?.[1];
  assert.ok(dir, first.stdout);
  result = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as RunResult;
});

after(async () => {
  await new Promise<void>((resolve) => gateway.close(() => resolve()));
  await ws.dispose();
});

test('the drill appended its verdict, objectives, phases and check counts to the ledger in the repository', () => {
  const db = new DatabaseSync(ledgerPath, { readOnly: true });
  try {
    const row = db.prepare('select * from runs where run_id = ?').get(result.runId);
    assert.equal(row?.verdict, 'passed');
    assert.equal(row?.scenario, NAME);
    assert.equal(row?.scenario_sha256, result.scenario.sha256);
    assert.equal(row?.backup_id, result.backup?.id);
    assert.equal(row?.method, 'dump');
    assert.equal(row?.exit_code, 0);
    const rto = db.prepare("select * from objectives where run_id = ? and kind = 'rto'").get(result.runId);
    assert.equal(rto?.measured_ms, result.objectives.find((o) => o.name === 'rto')?.measuredMs);
    assert.equal(rto?.objective_ms, 600_000);
    const phases = db
      .prepare('select name, duration_ms from phases where run_id = ? order by restore_index, position')
      .all(result.runId);
    assert.deepEqual(
      phases.map((p) => [p.name, p.duration_ms]),
      result.restores.flatMap((r) => r.phases.map((p) => [p.name, p.durationMs])),
    );
    const counted = Object.fromEntries(
      db
        .prepare('select status, count from check_counts where run_id = ?')
        .all(result.runId)
        .map((c) => [c.status, c.count]),
    );
    const all = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
    for (const status of ['passed', 'failed', 'skipped', 'errored'] as CheckStatus[])
      assert.equal(counted[status], all.filter((c) => c.status === status).length, status);
    assert.ok(Number(counted.passed) > 0);
  } finally {
    db.close();
  }
});

test("the run's reports carry its history: result.json and the HTML charts", async () => {
  assert.deepEqual(
    result.history?.map((p) => [p.runId, p.verdict, p.rtoMs]),
    [[result.runId, 'passed', result.objectives.find((o) => o.name === 'rto')?.measuredMs]],
  );
  const dir = /^report: (.+)$/m.exec(first.stdout)![1]!;
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<h2>History<\/h2>/);
  assert.match(html, /verdicts of the last 1 runs: 1 passed, 0 did not/);
});

test('history --json lists the run, its streak and trends', async () => {
  const history = await run(['history', scenario, '--json']);
  assert.equal(history.exitCode, 0, history.stderr);
  const parsed = JSON.parse(history.stdout) as {
    scenarios: Array<{
      scenario: string;
      runs: Array<{ runId: string; verdict: string }>;
      streak: { verdict: string; count: number };
    }>;
  };
  assert.equal(parsed.scenarios.length, 1);
  assert.equal(parsed.scenarios[0]!.runs[0]!.runId, result.runId);
  assert.deepEqual(parsed.scenarios[0]!.streak, { verdict: 'passed', count: 1 });
  const text = await run(['history', '--repository', join(ws.dir, 'repo'), NAME]);
  assert.match(text.stdout, /^ledger-drill: 1 pass \(the latest run\)$/m);
  assert.match(text.stdout, /PASSED/);
});

test('the metrics file parses with promtool and says what the ledger says; the Pushgateway got the same', async () => {
  const text = await readFile(metricsFile, 'utf8');
  const promtool = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  assert.equal(promtool.exitCode, 0, `${promtool.stdout}${promtool.stderr}`);
  assert.match(
    text,
    new RegExp(
      `^recoverable_last_success_timestamp_seconds\\{scenario="${NAME}"\\} ${Date.parse(result.finishedAt) / 1000}$`,
      'm',
    ),
  );
  assert.match(
    text,
    new RegExp(`^recoverable_drill_verdict\\{scenario="${NAME}",method="dump",verdict="passed"\\} 1$`, 'm'),
  );
  assert.match(text, new RegExp(`^recoverable_rto_objective_seconds\\{scenario="${NAME}",method="dump"\\} 600$`, 'm'));
  // The backup this drill took is the newest in the repository.
  assert.match(
    text,
    new RegExp(
      `^recoverable_last_backup_timestamp_seconds\\{scenario="${NAME}",method="dump"\\} ${Date.parse(result.backup!.takenAt) / 1000}$`,
      'm',
    ),
  );
  assert.match(
    text,
    new RegExp(`^recoverable_backup_age_seconds\\{scenario="${NAME}",method="dump"\\} \\d+(\\.\\d+)?$`, 'm'),
  );
  assert.deepEqual(
    pushes.map((p) => [p.method, p.url]),
    [['PUT', `/metrics/job/recoverable/scenario/${NAME}`]],
  );
  assert.match(pushes[0]!.body, /recoverable_last_success_timestamp_seconds\{scenario="ledger-drill"\}/);
});

test('status: 0 while the pass is fresh, 1 once it is older than --max-age, 0 again after a fresh drill; a failing run keeps the last success', async () => {
  const fresh = await run(['status', scenario, '--max-age', '26h', '--json']);
  assert.equal(fresh.exitCode, 0, fresh.stdout + fresh.stderr);
  assert.equal((JSON.parse(fresh.stdout) as { fresh: boolean }).fresh, true);
  // Age the pass by 27 hours, as if the nightly drill had stopped running.
  const db = new DatabaseSync(ledgerPath);
  const aged = new Date(Date.parse(result.finishedAt) - 27 * 3_600_000).toISOString();
  db.prepare('update runs set finished_at = ?, started_at = ? where run_id = ?').run(aged, aged, result.runId);
  db.close();
  const stale = await run(['status', '--repository', join(ws.dir, 'repo'), NAME, '--max-age', '26h']);
  assert.equal(stale.exitCode, 1, stale.stdout + stale.stderr);
  assert.match(
    stale.stdout,
    new RegExp(`^STALE ${NAME}: last passed 1d 3h ago at ${aged} \\(run ${result.runId}\\), older than 1d 2h$`, 'm'),
  );
  assert.equal((await run(['status', scenario, '--max-age', '28h'])).exitCode, 0, 'a longer --max-age accepts it');

  // A failing run recorded after the pass: the metrics keep the pass's time as the last success.
  {
    using ledger = RunLedger.open(join(ws.dir, 'repo'), { create: false })!;
    const [pass] = ledger.recent(NAME, 1);
    ledger.append({
      ...pass!,
      runId: `${pass!.runId}-failed`,
      verdict: 'failed',
      exitCode: 1,
      finishedAt: new Date().toISOString(),
      checkCounts: { passed: 1, failed: 2, skipped: 0, errored: 0 },
    });
  }
  const refreshed = await run(['status', scenario, '--max-age', '26h', '--metrics-file', metricsFile]);
  assert.equal(refreshed.exitCode, 1, 'a failure does not make an old pass fresh');
  const metrics = await readFile(metricsFile, 'utf8');
  assert.match(
    metrics,
    new RegExp(`^recoverable_last_success_timestamp_seconds\\{scenario="${NAME}"\\} ${Date.parse(aged) / 1000}$`, 'm'),
  );
  assert.match(
    metrics,
    new RegExp(`^recoverable_drill_verdict\\{scenario="${NAME}",method="dump",verdict="failed"\\} 1$`, 'm'),
  );
  assert.match(metrics, new RegExp(`^recoverable_checks_failed\\{scenario="${NAME}",method="dump"\\} 2$`, 'm'));
  // status reads the newest backup from the repository, as the drill did.
  assert.match(
    metrics,
    new RegExp(
      `^recoverable_last_backup_timestamp_seconds\\{scenario="${NAME}",method="dump"\\} ${Date.parse(result.backup!.takenAt) / 1000}$`,
      'm',
    ),
  );

  // A drill whose ledger cannot be written still writes its reports, names the problem, and does not exit 0.
  await rename(ledgerPath, `${ledgerPath}.aside`);
  await mkdir(ledgerPath);
  const unrecorded = await run(['drill', reuse]);
  await rmdir(ledgerPath);
  await rename(`${ledgerPath}.aside`, ledgerPath);
  assert.equal(unrecorded.exitCode, 3, unrecorded.stdout + unrecorded.stderr.slice(-2000));
  assert.match(unrecorded.stdout, /^PASSED ledger-drill/m);
  assert.match(unrecorded.stderr, /recoverable: could not open the run ledger .*ledger\.sqlite/);
  const unrecordedDir = /^report: (.+)$/m.exec(unrecorded.stdout)![1]!;
  assert.ok(existsSync(join(unrecordedDir, 'report.html')), 'the reports are written');
  const unrecordedResult = JSON.parse(await readFile(join(unrecordedDir, 'result.json'), 'utf8')) as RunResult;
  assert.equal(unrecordedResult.verdict, 'passed');
  assert.equal(unrecordedResult.history, undefined, 'no history without a ledger');
  assert.equal(
    (await run(['status', scenario, '--max-age', '26h'])).exitCode,
    1,
    'an unrecorded pass proves nothing to a monitor',
  );

  // A fresh recorded drill: status is 0 again, and the history shows all three runs.
  const again = await run(['drill', reuse]);
  assert.equal(again.exitCode, 0, again.stderr.slice(-3000));
  const back = await run(['status', scenario, '--max-age', '26h']);
  assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  assert.match(back.stdout, /^FRESH ledger-drill: last passed \d+s ago/m);
  const latest = JSON.parse(
    await readFile(join(/^report: (.+)$/m.exec(again.stdout)![1]!, 'result.json'), 'utf8'),
  ) as RunResult;
  assert.deepEqual(
    latest.history?.map((p) => p.verdict),
    ['passed', 'failed', 'passed'],
  );
  assert.deepEqual(await ws.leftoverDirs(), []);
});
