import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { register } from 'prom-client';
import { EnvironmentError, UsageError } from '../../../src/core/errors.ts';
import { drillRegistry, type ScenarioRuns } from '../../../src/metrics/drill-metrics.ts';
import { pushMetrics, writeMetricsFile } from '../../../src/metrics/export.ts';
import { ledgerRun } from '../ledger/sample-runs.ts';

const NOW = new Date('2026-01-10T12:00:00.000Z');
const PASS = ledgerRun({ runId: 'p', finishedAt: '2026-01-09T12:00:00.000Z' });
// The newest run failed a day after the pass: the last success must still be the pass's time.
const FAIL = ledgerRun({
  runId: 'f',
  finishedAt: '2026-01-10T11:00:00.000Z',
  verdict: 'failed',
  exitCode: 1,
  backup: { id: 'b1', method: 'basebackup', takenAt: '2026-01-10T06:00:00.000Z', taken: false },
  objectives: [
    { kind: 'rto', objectiveMs: 300_000, measuredMs: 420_000, status: 'failed', basis: 'phases' },
    { kind: 'rpo', objectiveMs: 60_000, measuredMs: null, status: 'errored', basis: 'markers' },
  ],
  checkCounts: { passed: 7, failed: 2, skipped: 0, errored: 1 },
});
const RUNS: ScenarioRuns[] = [
  // A nightly backup taken after the drilled one: the backup age follows it.
  { scenario: 'nightly', lastRun: FAIL, lastPass: PASS, newestBackupAt: '2026-01-10T09:00:00.000Z' },
  {
    scenario: 'never-passed',
    lastRun: ledgerRun({
      runId: 'e',
      finishedAt: '2026-01-10T10:00:00.000Z',
      verdict: 'errored',
      scenario: 'never-passed',
      backup: null,
      objectives: [],
    }),
    lastPass: null,
    newestBackupAt: null,
  },
];

// name{labels} value, as exposition lines (comments dropped); the labels kept as written.
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

test('the metrics say what the ledger says: last success from the pass, verdict, RTO, checks, backup age', async () => {
  const text = await drillRegistry(RUNS, NOW).metrics();
  const s = samples(text);
  assert.equal(
    s.get('recoverable_last_success_timestamp_seconds{scenario="nightly"}'),
    Date.parse(PASS.finishedAt) / 1000,
  );
  assert.equal(s.get('recoverable_last_run_timestamp_seconds{scenario="nightly"}'), Date.parse(FAIL.finishedAt) / 1000);
  assert.equal(s.get('recoverable_drill_verdict{scenario="nightly",method="basebackup",verdict="failed"}'), 1);
  assert.equal(s.get('recoverable_drill_verdict{scenario="nightly",method="basebackup",verdict="passed"}'), 0);
  assert.equal(s.get('recoverable_rto_seconds{scenario="nightly",method="basebackup"}'), 420);
  assert.equal(s.get('recoverable_rto_objective_seconds{scenario="nightly",method="basebackup"}'), 300);
  assert.equal(s.get('recoverable_rpo_objective_seconds{scenario="nightly",method="basebackup"}'), 60);
  assert.equal(
    s.has('recoverable_rpo_seconds{scenario="nightly",method="basebackup"}'),
    false,
    'an RPO not measured is left out, not written as 0',
  );
  assert.equal(s.get('recoverable_checks_failed{scenario="nightly",method="basebackup"}'), 3);
  assert.equal(s.get('recoverable_checks{scenario="nightly",method="basebackup",status="errored"}'), 1);
  assert.equal(s.get('recoverable_backup_age_seconds{scenario="nightly",method="basebackup"}'), 3 * 3600);
  assert.equal(
    s.get('recoverable_last_backup_timestamp_seconds{scenario="nightly",method="basebackup"}'),
    Date.parse('2026-01-10T09:00:00.000Z') / 1000,
  );
  assert.equal(
    s.get('recoverable_drilled_backup_timestamp_seconds{scenario="nightly",method="basebackup"}'),
    Date.parse('2026-01-10T06:00:00.000Z') / 1000,
  );
  assert.equal(s.get('recoverable_last_success_timestamp_seconds{scenario="never-passed"}'), 0);
  assert.equal(s.get('recoverable_drill_verdict{scenario="never-passed",method="none",verdict="errored"}'), 1);
  assert.equal(
    [...s.keys()].some((k) => k.startsWith('recoverable_backup_age_seconds{scenario="never-passed"')),
    false,
  );
  assert.equal(register.getMetricsAsArray().length, 0, "prom-client's global registry stays empty");
});

test('the metrics file is written atomically and promtool accepts it without a lint finding', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-metrics-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'recoverable.prom');
  await writeMetricsFile(drillRegistry(RUNS, NOW), file);
  assert.deepEqual(await readdir(dir), ['recoverable.prom'], 'no temporary file is left beside it');
  const text = await readFile(file, 'utf8');
  const promtool = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  assert.notEqual(promtool.exitCode, undefined, 'promtool must be installed (Debian package prometheus)');
  assert.equal(promtool.exitCode, 0, `${promtool.stdout}\n${promtool.stderr}`);
  assert.equal(`${promtool.stdout}${promtool.stderr}`.trim(), '');
  // promtool must be able to fail: a broken line is refused.
  const broken = await execa('promtool', ['check', 'metrics'], {
    input: `${text}recoverable_rto_seconds{scenario="x" 1\n`,
    reject: false,
  });
  assert.notEqual(broken.exitCode, 0);
});

test('a metrics file that node_exporter would not read is refused before anything is written', async () => {
  await assert.rejects(
    writeMetricsFile(drillRegistry(RUNS, NOW), '/tmp/recoverable.txt'),
    (e: unknown) => e instanceof UsageError && /does not end in \.prom/.test(e.message),
  );
});

interface Recorded {
  method: string;
  url: string;
  body: string;
}

async function gateway(status: number): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(status).end(status >= 400 ? 'rejected' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test("a push replaces the scenario's group on the Pushgateway", async (t) => {
  const gw = await gateway(200);
  t.after(gw.close);
  await pushMetrics(drillRegistry([RUNS[0]!], NOW), gw.url, 'nightly');
  assert.equal(gw.requests.length, 1);
  const [request] = gw.requests;
  assert.equal(request!.method, 'PUT');
  assert.equal(request!.url, '/metrics/job/recoverable/scenario/nightly');
  assert.equal(
    samples(request!.body).get('recoverable_last_success_timestamp_seconds{scenario="nightly"}'),
    Date.parse(PASS.finishedAt) / 1000,
  );
});

test('a Pushgateway that refuses is an environment error that does not echo credentials', async (t) => {
  const gw = await gateway(500);
  t.after(gw.close);
  const url = gw.url.replace('http://', 'http://robot:Pa55word@');
  await assert.rejects(
    pushMetrics(drillRegistry([RUNS[0]!], NOW), url, 'nightly'),
    (e: unknown) =>
      e instanceof EnvironmentError &&
      e.code === 'metrics-push-failed' &&
      /status 500/.test(e.message) &&
      !e.message.includes('Pa55word'),
  );
  await assert.rejects(
    pushMetrics(drillRegistry([RUNS[0]!], NOW), 'ftp://robot:Pa55word@127.0.0.1/', 'nightly'),
    (e: unknown) => e instanceof UsageError && !e.message.includes('Pa55word'),
  );
});
