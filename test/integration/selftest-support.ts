// What the self-test's integration tests share: run `recoverable selftest`, read what it wrote, judge the matrix.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, type CliResult } from '../helpers/cli.ts';
import type { Workspace } from '../helpers/workspace.ts';
import type { SelftestResult } from '../../src/selftest/result.ts';
import { faultsFor } from '../../src/selftest/registry.ts';
import { matchesCheck } from '../../src/selftest/judge.ts';
import type { BackupMethod, EnvironmentKind } from '../../src/selftest/fault.ts';

/** Run the self-test in the workspace; its reports go to <workspace>/reports. */
export async function selftest(
  ws: Workspace,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult & { reportDir: string | null }> {
  const run = await cli(['selftest', '--report-dir', join(ws.dir, 'reports'), '--log-format', 'json', ...args], {
    cwd: ws.dir,
    env: { ...ws.env, ...env },
  });
  const reportDir = /^report: (.+)$/m.exec(run.stdout)?.[1] ?? null;
  return { ...run, reportDir };
}

/** The selftest.json a run wrote. */
export async function readSelftest(reportDir: string): Promise<SelftestResult> {
  return JSON.parse(await readFile(join(reportDir, 'selftest.json'), 'utf8')) as SelftestResult;
}

/** Every registered fault of `method` ran and was caught by its intended check, for the reason it names. */
export function assertEveryFaultCaught(
  result: SelftestResult,
  method: BackupMethod,
  environment: EnvironmentKind,
  only?: string[],
): void {
  const run = result.methods.find((m) => m.method === method);
  assert.ok(run, `a ${method} run`);
  assert.equal(run.clean.verdict, 'passed', `the clean ${method} drill: ${run.clean.summary}`);
  assert.deepEqual(
    run.faults.map((f) => f.id),
    faultsFor(method, environment, only).map((f) => f.id),
    'every registered fault ran, in registry order',
  );
  for (const fault of run.faults) {
    assert.equal(fault.outcome, 'caught', `${fault.id}: ${fault.message}`);
    assert.equal(fault.intended?.status, 'failed', fault.id);
    assert.ok(
      matchesCheck(fault.expectedCheck, fault.intended!.id),
      `${fault.id}: caught by ${fault.intended!.id}, meant for ${fault.expectedCheck}`,
    );
    assert.equal(fault.failedChecks[0]?.id, fault.intended!.id, `${fault.id}: the intended check is listed first`);
    assert.ok(fault.injected, `${fault.id} says exactly what it changed`);
  }
}

/** Reports of a run: the four formats and one result.json per drill. */
export async function assertReports(reportDir: string, result: SelftestResult): Promise<void> {
  assert.deepEqual((await readdir(reportDir)).sort(), [
    'drills',
    'junit.xml',
    'report.html',
    'selftest.json',
    'summary.md',
  ]);
  const junit = await readFile(join(reportDir, 'junit.xml'), 'utf8');
  const faults = result.methods.flatMap((m) => m.faults);
  assert.equal(
    junit.match(/<testcase /g)?.length,
    faults.length + result.methods.length,
    'one case per fault and per clean drill',
  );
  const summary = await readFile(join(reportDir, 'summary.md'), 'utf8');
  for (const fault of faults) assert.ok(summary.includes(`\`${fault.id}\``), `${fault.id} in summary.md`);
  const drills = await readdir(join(reportDir, 'drills'));
  // A probe of the archive runs no drill, and a backup refused before it is restored leaves no result.
  const stages = faults.filter((f) => f.stage !== 'archiving' && f.stage !== 'repository').length;
  assert.equal(drills.length, stages + result.methods.length, `a result.json per drill: ${drills.join(', ')}`);
}
