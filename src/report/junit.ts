// junit.xml: one test case per check and per objective, so a CI job goes red when a restore would not.

import junitReportBuilder from 'junit-report-builder';
import type { Builder, TestCase, TestSuite } from 'junit-report-builder';
import { describeObjective, describeValue, elapsedMs, restoreLabel } from './format.ts';
import type { CheckResult, ObjectiveResult, RestoreResult, RunResult } from '../run/result.ts';
import { upgradeText } from './upgrade-text.ts';

// The package's types declare an ES default export, but its CommonJS entry sets module.exports to the
// builder itself, which is what Node hands an ESM default import; accept either shape.
const rootBuilder: Builder =
  'newBuilder' in junitReportBuilder ? (junitReportBuilder as unknown as Builder) : junitReportBuilder.default;

/**
 * Render the run result as JUnit XML: a suite per restore, one `run` suite for run-level checks and
 * one `objectives` suite. A harness error no check records, or a run with no checks at all, adds one
 * errored case to `run` so that missing evidence never reads as green. Class names start with the
 * scenario's name, so the reports of several scenarios merged by a CI never collide.
 */
export function renderJunit(result: RunResult): string {
  const builder = rootBuilder.newBuilder().name(`recoverable: ${result.scenario.name}`);
  addRunSuite(builder.testSuite(), result);
  for (const restore of result.restores) addRestoreSuite(builder.testSuite(), result, restore);
  addObjectivesSuite(builder.testSuite(), result);
  return withRootTime(builder.build(), runSeconds(result));
}

// The builder gives the root element no time: the run's wall-clock time goes there, as CI dashboards read it.
function withRootTime(xml: string, seconds: number): string {
  return xml.replace(/<testsuites name="[^"]*"/, (open) => `${open} time="${seconds}"`);
}

function runSeconds(result: RunResult): number {
  const ms = elapsedMs(result.startedAt, result.finishedAt);
  return ms === null || ms < 0 ? 0 : ms / 1000;
}

function className(result: RunResult, kind: string): string {
  return `${result.scenario.name}.${kind}`;
}

function addRunSuite(suite: TestSuite, result: RunResult): void {
  suite
    .name('run')
    .timestamp(result.startedAt)
    .time(sumSeconds(result.checks.map((c) => c.durationMs)));
  suite.property('runId', result.runId);
  suite.property('scenario.sha256', result.scenario.sha256);
  suite.property('verdict', result.verdict);
  if (result.backup) {
    suite.property('backup.id', result.backup.id);
    suite.property('backup.method', result.backup.method);
  }
  for (const check of result.checks) addCheckCase(suite, result, check);
  // A run error a run-level check already records is counted once, as the summary counts it.
  const recorded = result.checks.some(
    (c) => (c.status === 'failed' || c.status === 'errored') && c.message === result.error?.message,
  );
  if (result.error && !recorded) {
    const hint = result.error.hint ? `hint: ${result.error.hint}` : '';
    suite
      .testCase()
      .className(className(result, 'run'))
      .name('run-error')
      .time(0)
      .error(cleanText(result.error.message), result.error.code, cleanCdata(hint));
  } else if (result.checks.length === 0 && result.restores.every((r) => r.checks.length === 0)) {
    suite
      .testCase()
      .className(className(result, 'run'))
      .name('no-checks')
      .time(0)
      .error('no check ran: missing evidence is never a pass', 'no-checks');
  }
}

function addRestoreSuite(suite: TestSuite, result: RunResult, restore: RestoreResult): void {
  suite
    .name(restoreLabel(result.scenario.name, restore))
    .timestamp(result.startedAt)
    .time(sumSeconds(restore.phases.map((p) => p.durationMs)));
  suite.property('target', restore.target);
  if (restore.environment.image) suite.property('environment.image', restore.environment.image);
  if (restore.environment.imageDigest) suite.property('environment.imageDigest', restore.environment.imageDigest);
  if (restore.environment.upgrade) suite.property('environment.upgrade', upgradeText(restore.environment.upgrade));
  suite.property('reached.kind', restore.reached.kind);
  if (restore.reached.lsn) suite.property('reached.lsn', restore.reached.lsn);
  if (restore.reached.xid) suite.property('reached.xid', restore.reached.xid);
  if (restore.reached.time) suite.property('reached.time', restore.reached.time);
  suite.property('reached.proof', cleanText(restore.reached.proof));
  for (const phase of restore.phases) suite.property(`phase.${phase.name}.ms`, String(phase.durationMs));
  for (const check of restore.checks) addCheckCase(suite, result, check);
}

function addObjectivesSuite(suite: TestSuite, result: RunResult): void {
  suite.name('objectives').timestamp(result.startedAt).time(0);
  for (const objective of result.objectives) addObjectiveCase(suite, result, objective);
}

function addCheckCase(suite: TestSuite, result: RunResult, check: CheckResult): void {
  const testCase = suite
    .testCase()
    .className(className(result, check.kind))
    .name(check.id)
    .time(check.durationMs / 1000);
  const details = checkDetails(check);
  markStatus(testCase, check.status, check.message, check.kind, details);
}

function addObjectiveCase(suite: TestSuite, result: RunResult, objective: ObjectiveResult): void {
  const testCase = suite.testCase().className(className(result, 'objective')).name(objective.name).time(0);
  const details = [
    `objective: ${objective.objectiveMs} ms`,
    `measured: ${objective.measuredMs === null ? 'not measured' : `${objective.measuredMs} ms`}`,
    `basis: ${objective.basis}`,
  ].join('\n');
  markStatus(testCase, objective.status, describeObjective(objective), 'objective', details);
}

// failed → <failure> with details as its body; errored → <error>; skipped → <skipped> with the reason in system-out.
function markStatus(
  testCase: TestCase,
  status: CheckResult['status'],
  message: string,
  type: string,
  details: string,
): void {
  const text = cleanText(message);
  if (status === 'failed') testCase.failure(text, type).stacktrace(cleanCdata(details));
  else if (status === 'errored') testCase.error(text, type, cleanCdata(details));
  else if (status === 'skipped') testCase.skipped().standardOutput(cleanCdata(text));
  else testCase.standardOutput(cleanCdata(details));
}

function checkDetails(check: CheckResult): string {
  const lines = [`message: ${check.message}`];
  if (check.exactness) lines.push(`exactness: ${check.exactness}`);
  if (check.expected !== undefined) lines.push(`expected: ${describeValue(check.expected)}`);
  if (check.actual !== undefined) lines.push(`actual: ${describeValue(check.actual)}`);
  return lines.join('\n');
}

function sumSeconds(durationsMs: number[]): number {
  return durationsMs.reduce((sum, ms) => sum + ms, 0) / 1000;
}

// Characters XML 1.0 cannot hold at all; the builder would drop them silently, we make them visible.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function cleanText(text: string): string {
  return text.replace(XML_INVALID, '\uFFFD');
}

// The builder only splits the first `]]>` of a CDATA body; break every one so the XML stays well formed.
function cleanCdata(text: string): string {
  return cleanText(text).replaceAll(']]>', ']] >');
}
