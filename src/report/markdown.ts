// summary.md: what an auditor reads first — the verdict, what failed, then the evidence behind it.

import {
  backupOrigin,
  coverageRows,
  describeValue,
  elapsedMs,
  findingsOf,
  formatBytes,
  formatDuration,
  restoreLabel,
  truncate,
  type Finding,
} from './format.ts';
import { targetRows } from './targets.ts';
import type { BackupSummary, CheckResult, ObjectiveResult, RestoreResult, RunResult } from '../run/result.ts';
import { provenanceFacts, signatureFact } from './evidence-facts.ts';
import { describeCopy, describeSharedCopy, phaseName } from './restore-copy.ts';
import { upgradeText } from './upgrade-text.ts';

const CELL_MAX = 80;
// Sizes that keep the summary far below GitHub's 1 MiB step-summary limit, whatever the run's size.
const FINDINGS_MAX = 50;
const UNPASSED_PER_TABLE = 20;
const PASSING_LIST_BUDGET = 40_000;

/** Render the run result as a Markdown summary: verdict, what failed, the targets; passing checks folded away. */
export function renderMarkdown(result: RunResult): string {
  // Passing checks are listed one by one only while the list stays small; otherwise counted by kind.
  const listPassing =
    [...result.checks, ...result.restores.flatMap((r) => r.checks)].filter((c) => c.status === 'passed').length * 120 <=
    PASSING_LIST_BUDGET;
  const sections = [
    `# Recoverable drill ${result.verdict.toUpperCase()}: ${inline(result.scenario.name)}`,
    `> ${inline(result.summary)}`,
    whatFailed(findingsOf(result)),
    targetsSection(result),
    objectivesSection(result.objectives),
    runSection(result),
    backupSection(result.backup),
    ...(result.coverage
      ? [
          `## What was compared\n\n${table(
            ['Comparison', 'Coverage', 'Checks', 'Why not'],
            coverageRows(result.coverage).map((r) => r.map(cell)),
          )}`,
        ]
      : []),
    ...(result.checks.length > 0 ? [`## Run-level checks\n\n${checksSection(result.checks, listPassing)}`] : []),
    ...result.restores.map((restore) => restoreSection(result.scenario.name, restore, listPassing)),
  ];
  return `${sections.join('\n\n')}\n`;
}

function targetsSection(result: RunResult): string {
  if (result.restores.length === 0) return '## Targets\n\nNo restore ran.';
  const rows = targetRows(result).map((t) => [
    code(t.target, true),
    cell(truncate(t.reached, CELL_MAX)),
    cell(truncate(t.proof, CELL_MAX)),
    status(t.verdict),
    t.rto,
    t.checks,
  ]);
  return `## Targets\n\n${table(['Target', 'Reached', 'Proof', 'Verdict', 'RTO', 'Checks'], rows)}`;
}

function whatFailed(all: Finding[]): string {
  if (all.length === 0) return '## What failed\n\nNothing failed: every check and objective passed or was skipped.';
  const findings = all.slice(0, FINDINGS_MAX);
  const more =
    all.length > findings.length
      ? `\n\n…and ${all.length - findings.length} more: every one is in report.html and result.json.`
      : '';
  const items = findings.map((f) => {
    const values = [
      f.expected !== undefined ? `expected ${code(truncate(f.expected, CELL_MAX))}` : '',
      f.actual !== undefined ? `actual ${code(truncate(f.actual, CELL_MAX))}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `- **${f.status}** ${code(f.subject)} in ${inline(f.scope)}: ${inline(f.message)}${values ? ` (${values})` : ''}`;
  });
  return `## What failed\n\n${items.join('\n')}${more}`;
}

function runSection(result: RunResult): string {
  const rows: [string, string][] = [
    ['Verdict', `**${result.verdict}**`],
    ['Scenario', `${cell(result.scenario.name)} (${code(result.scenario.path, true)})`],
    ['Scenario SHA-256', code(result.scenario.sha256, true)],
    ['Run id', code(result.runId, true)],
    ['Started', cell(result.startedAt)],
    ['Finished', cell(result.finishedAt)],
    ['Took', formatDuration(elapsedMs(result.startedAt, result.finishedAt))],
    ['Tool', cell(`${result.tool.name} ${result.tool.version}`)],
  ];
  if (result.provenance)
    rows.push(...provenanceFacts(result.provenance).map(([label, text]) => [label, cell(text)] as [string, string]));
  if (result.error) rows.push(['Run error', cell(errorText(result.error))]);
  return `## Run\n\n${table(['Field', 'Value'], rows)}`;
}

function backupSection(backup: BackupSummary | null): string {
  if (!backup) return '## Backup\n\nNo backup: the run stopped before one was taken or chosen.';
  const rows: [string, string][] = [
    ['Id', code(backup.id, true)],
    ['Method', backup.method],
    ['Size', `${formatBytes(backup.sizeBytes)} (${backup.sizeBytes} bytes)`],
    ['Duration', formatDuration(backup.durationMs)],
    ['Origin', backupOrigin(backup)],
    ['Taken at', cell(backup.takenAt)],
    ['Source version', `PostgreSQL ${backup.sourceVersion}`],
  ];
  if (backup.startLsn) rows.push(['Start LSN', code(backup.startLsn, true)]);
  if (backup.stopLsn) rows.push(['Stop LSN', code(backup.stopLsn, true)]);
  if (backup.chain)
    rows.push(['Incremental chain', cell(`${[...backup.chain, backup.id].join(' ← ')} (pg_combinebackup)`)]);
  rows.push(signatureFact(backup).map(cell) as [string, string]);
  return `## Backup\n\n${table(['Field', 'Value'], rows)}`;
}

function objectivesSection(objectives: ObjectiveResult[]): string {
  if (objectives.length === 0) return '## Objectives\n\nNo objectives were set.';
  const rows = objectives.map((o) => [
    o.name.toUpperCase(),
    formatDuration(o.objectiveMs),
    formatDuration(o.measuredMs),
    status(o.status),
    cell(o.basis),
  ]);
  return `## Objectives\n\n${table(['Objective', 'Target', 'Measured', 'Status', 'Basis'], rows)}`;
}

function restoreSection(scenarioName: string, restore: RestoreResult, listPassing: boolean): string {
  const env = restore.environment;
  const image = env.image ? `, image ${code(env.image)}` : '';
  const digest = env.imageDigest ? ` (${code(env.imageDigest)})` : '';
  const reached = restore.reached;
  const where = [
    reached.lsn ? `LSN ${code(reached.lsn)}` : '',
    reached.xid ? `xid ${code(reached.xid)}` : '',
    reached.time ? `time ${inline(reached.time)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const facts = [
    `- Target: ${code(restore.target)}`,
    `- Environment: ${env.kind}, PostgreSQL ${env.version}${image}${digest}${env.upgrade ? `; ${inline(upgradeText(env.upgrade))}` : ''}`,
    `- Reached: ${inline(reached.kind)}${where ? ` at ${where}` : ''}`,
    `- Proof: ${inline(reached.proof)}`,
  ];
  if (restore.copy) facts.push(`- Copy: ${inline(describeCopy(restore.copy))}`);
  if (restore.sharedCopy) facts.push(`- Replay: ${inline(describeSharedCopy(restore.sharedCopy))}`);
  if (restore.error) facts.push(`- Error: ${inline(errorText(restore.error))}`);
  const parts = [`## Restore: ${inline(restoreLabel(scenarioName, restore))}`, facts.join('\n')];
  parts.push(`### Phases\n\n${phasesTable(restore)}`);
  parts.push(
    `### Checks\n\n${restore.checks.length > 0 ? checksSection(restore.checks, listPassing) : 'No checks ran.'}`,
  );
  if (restore.warnings && restore.warnings.length > 0) {
    parts.push(`### Warnings\n\n${restore.warnings.map((w) => `- ${inline(truncate(w, 200))}`).join('\n')}`);
  }
  return parts.join('\n\n');
}

function phasesTable(restore: RestoreResult): string {
  if (restore.phases.length === 0) return 'No phases recorded.';
  const total = restore.phases.reduce((sum, p) => sum + p.durationMs, 0);
  const rows = restore.phases.map((p) => [
    cell(phaseName(p)),
    formatDuration(p.durationMs),
    share(p.durationMs, total),
  ]);
  rows.push(['**total**', `**${formatDuration(total)}**`, '']);
  return table(['Phase', 'Duration', 'Share'], rows);
}

// Checks that did not pass in a table (the first few), the passing ones folded in <details>.
function checksSection(checks: CheckResult[], listPassing: boolean): string {
  const unpassed = checks.filter((c) => c.status !== 'passed');
  const passing = checks.filter((c) => c.status === 'passed');
  const parts: string[] = [];
  if (unpassed.length) {
    const shown = unpassed.slice(0, UNPASSED_PER_TABLE);
    const more =
      unpassed.length > shown.length
        ? `\n\n…and ${unpassed.length - shown.length} more that did not pass: see report.html or result.json.`
        : '';
    parts.push(`${checksTable(shown)}${more}`);
  }
  if (passing.length) {
    const body = listPassing
      ? checksTable(passing)
      : `${table(['Kind', 'Passed'], passedByKind(passing))}\n\nEach check is listed in report.html and result.json.`;
    parts.push(
      `<details><summary>${passing.length} passing check${passing.length === 1 ? '' : 's'}</summary>\n\n${body}\n\n</details>`,
    );
  }
  return parts.join('\n\n');
}

function passedByKind(checks: CheckResult[]): string[][] {
  const counts = new Map<string, number>();
  for (const c of checks) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => [cell(kind), String(n)]);
}

function checksTable(checks: CheckResult[]): string {
  const rows = checks.map((c) => [
    status(c.status),
    code(truncate(c.id, CELL_MAX), true),
    c.exactness ?? '',
    cell(truncate(describeValue(c.expected), CELL_MAX)),
    cell(truncate(describeValue(c.actual), CELL_MAX)),
    cell(truncate(c.message, CELL_MAX)),
  ]);
  return table(['Status', 'Id', 'Exactness', 'Expected', 'Actual', 'Message'], rows);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function status(value: string): string {
  return value === 'passed' ? 'passed' : `**${value}**`;
}

function share(part: number, total: number): string {
  return total > 0 ? `${Math.round((part / total) * 100)}%` : '';
}

function errorText(error: NonNullable<RunResult['error']>): string {
  return `${error.code}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`;
}

// Table cell text: one line, pipes escaped, no raw HTML (summaries are often rendered by CI pages).
function cell(text: string): string {
  return inline(text).replaceAll('|', '\\|');
}

// Running text: one line, and `<` escaped so a value cannot open an HTML tag in a rendered page.
function inline(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replaceAll('<', '&lt;');
}

// A code span that survives backticks inside the value; in a table cell its pipes are escaped too.
function code(text: string, inTable = false): string {
  if (text === '') return '(empty)';
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const oneLine = inTable ? flat.replaceAll('|', '\\|') : flat;
  const longestRun = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}
