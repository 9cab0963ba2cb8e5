// Text helpers shared by the human-readable reporters (Markdown, HTML, JUnit messages).

import type { Coverage } from '../run/verdict.ts';
import type { CheckStatus, ObjectiveResult, RestoreResult, RunResult } from '../run/result.ts';

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units with one decimal, e.g. `512 B`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  value /= 1024;
  // Move up a unit when rounding would print `1024.0 KiB`.
  while (unit < BYTE_UNITS.length - 1 && Math.abs(Number(value.toFixed(1))) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** A duration for people: `340 ms`, `1.2 s`, `3 min 4 s`, `2 h 5 min`; `n/a` when not measured. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'n/a';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${trimZeroDecimal((tenths / 10).toFixed(1))} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return joinUnits(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
}

function trimZeroDecimal(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** Cut `text` to at most `max` characters (code points), ending with an ellipsis when cut. */
export function truncate(text: string, max = 80): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** An expected/actual value as one line of text; empty when absent. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    // Cyclic or otherwise unserialisable: still show something rather than throwing.
    return String(value);
  }
}

/** The name every reporter gives a restore: `<scenario> / <target> (<env kind> <version>)`. */
export function restoreLabel(scenarioName: string, restore: RestoreResult): string {
  return `${scenarioName} / ${restore.target} (${restore.environment.kind} ${restore.environment.version})`;
}

/** An objective's outcome in a few words, measured value first: `RTO 2.4 s exceeds 200 ms`. */
export function describeObjective(objective: ObjectiveResult): string {
  const name = objective.name.toUpperCase();
  const target = formatDuration(objective.objectiveMs);
  if (objective.measuredMs === null) return `${name} was not measured (objective ${target}): ${objective.basis}`;
  const measured = formatDuration(objective.measuredMs);
  if (objective.status === 'passed') return `${name} ${measured} is within ${target}`;
  if (objective.status === 'failed') return `${name} ${measured} exceeds ${target}`;
  // Errored: a time was taken but proves nothing (the restore did not complete soundly); say why.
  return `${name} ${measured} against ${target} is not proved: ${objective.basis}`;
}

/** One thing that went wrong, wherever it was found; listed first in the human reports. */
export interface Finding {
  status: Exclude<CheckStatus, 'passed' | 'skipped'>;
  /** Where: `run`, `objectives`, or a restore label. */
  scope: string;
  /** What: a check id, an objective name, or `restore` / `run` for errors outside checks. */
  subject: string;
  message: string;
  expected?: string;
  actual?: string;
}

/** Everything failed or errored in a run, in report order: run, restores, objectives. */
export function findingsOf(result: RunResult): Finding[] {
  const findings: Finding[] = [];
  if (result.error) findings.push(errorFinding('run', 'run', result.error));
  for (const check of result.checks) pushCheck(findings, 'run', check);
  for (const restore of result.restores) {
    const scope = restoreLabel(result.scenario.name, restore);
    if (restore.error) findings.push(errorFinding(scope, 'restore', restore.error));
    for (const check of restore.checks) pushCheck(findings, scope, check);
  }
  for (const objective of result.objectives) {
    if (objective.status !== 'failed' && objective.status !== 'errored') continue;
    findings.push({
      status: objective.status,
      scope: 'objectives',
      subject: objective.name,
      message: describeObjective(objective),
      expected: formatDuration(objective.objectiveMs),
      actual: formatDuration(objective.measuredMs),
    });
  }
  return findings;
}

function pushCheck(findings: Finding[], scope: string, check: RunResult['checks'][number]): void {
  if (check.status !== 'failed' && check.status !== 'errored') return;
  const finding: Finding = { status: check.status, scope, subject: check.id, message: check.message };
  if (check.expected !== undefined) finding.expected = describeValue(check.expected);
  if (check.actual !== undefined) finding.actual = describeValue(check.actual);
  findings.push(finding);
}

function errorFinding(scope: string, subject: string, error: NonNullable<RunResult['error']>): Finding {
  const hint = error.hint ? ` (hint: ${error.hint})` : '';
  return { status: 'errored', scope, subject, message: `${error.code}: ${error.message}${hint}` };
}

/** Wall-clock time between two ISO timestamps, or null when either does not parse. */
export function elapsedMs(startedAt: string, finishedAt: string): number | null {
  const start = Date.parse(startedAt);
  const end = Date.parse(finishedAt);
  return Number.isNaN(start) || Number.isNaN(end) ? null : end - start;
}

/** The "what was compared" table as plain cells: comparison, coverage, checks, why not (shared by Markdown and HTML). */
export function coverageRows(coverage: readonly Coverage[]): string[][] {
  return coverage.map((c) => {
    const state = !c.requested
      ? 'not requested'
      : c.ran === 0
        ? 'not compared'
        : c.skipped + c.errored > 0
          ? 'partly compared'
          : 'compared';
    const counts =
      c.ran + c.skipped + c.errored === 0
        ? ''
        : `${c.passed} passed, ${c.ran - c.passed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}${c.errored ? `, ${c.errored} errored` : ''}`;
    return [c.noun, state, counts, c.reasons.join('; ')];
  });
}

/** Where the drilled backup came from, in words: taken by this run, reused, or another tool's (method external). */
export function backupOrigin(backup: { method: string; taken: boolean }): string {
  if (backup.method === 'external')
    return "another tool's backup, brought back by its restore command (this run recorded the source and its markers)";
  return backup.taken ? 'taken by this run' : 'reused from the repository';
}
