// summary.md: what an auditor reads first — the verdict, what failed, then the evidence behind it.

import {
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
import type { BackupSummary, CheckResult, ObjectiveResult, RestoreResult, RunResult } from '../run/result.ts';
import { provenanceFacts, signatureFact } from './evidence-facts.ts';

const CELL_MAX = 80;

/** Render the run result as a Markdown summary, failures first. */
export function renderMarkdown(result: RunResult): string {
  const sections = [
    `# Recoverable drill ${result.verdict.toUpperCase()}: ${inline(result.scenario.name)}`,
    `> ${inline(result.summary)}`,
    whatFailed(findingsOf(result)),
    runSection(result),
    backupSection(result.backup),
    objectivesSection(result.objectives),
    ...(result.coverage ? [`## What was compared\n\n${table(['Comparison', 'Coverage', 'Checks', 'Why not'], coverageRows(result.coverage).map((r) => r.map(cell)))}`] : []),
    ...(result.checks.length > 0 ? [`## Run-level checks\n\n${checksTable(result.checks)}`] : []),
    ...result.restores.map((restore) => restoreSection(result.scenario.name, restore)),
  ];
  return `${sections.join('\n\n')}\n`;
}

function whatFailed(findings: Finding[]): string {
  if (findings.length === 0) return '## What failed\n\nNothing failed: every check and objective passed or was skipped.';
  const items = findings.map((f) => {
    const values = [
      f.expected !== undefined ? `expected ${code(truncate(f.expected, CELL_MAX))}` : '',
      f.actual !== undefined ? `actual ${code(truncate(f.actual, CELL_MAX))}` : '',
    ].filter(Boolean).join(', ');
    return `- **${f.status}** ${code(f.subject)} in ${inline(f.scope)}: ${inline(f.message)}${values ? ` (${values})` : ''}`;
  });
  return `## What failed\n\n${items.join('\n')}`;
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
  if (result.provenance) rows.push(...provenanceFacts(result.provenance).map(([label, text]) => [label, cell(text)] as [string, string]));
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
    ['Origin', backup.taken ? 'taken by this run' : 'reused from the repository'],
    ['Taken at', cell(backup.takenAt)],
    ['Source version', `PostgreSQL ${backup.sourceVersion}`],
  ];
  if (backup.startLsn) rows.push(['Start LSN', code(backup.startLsn, true)]);
  if (backup.stopLsn) rows.push(['Stop LSN', code(backup.stopLsn, true)]);
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

function restoreSection(scenarioName: string, restore: RestoreResult): string {
  const env = restore.environment;
  const image = env.image ? `, image ${code(env.image)}` : '';
  const digest = env.imageDigest ? ` (${code(env.imageDigest)})` : '';
  const reached = restore.reached;
  const where = [
    reached.lsn ? `LSN ${code(reached.lsn)}` : '',
    reached.xid ? `xid ${code(reached.xid)}` : '',
    reached.time ? `time ${inline(reached.time)}` : '',
  ].filter(Boolean).join(', ');
  const facts = [
    `- Target: ${code(restore.target)}`,
    `- Environment: ${env.kind}, PostgreSQL ${env.version}${image}${digest}`,
    `- Reached: ${inline(reached.kind)}${where ? ` at ${where}` : ''}`,
    `- Proof: ${inline(reached.proof)}`,
  ];
  if (restore.error) facts.push(`- Error: ${inline(errorText(restore.error))}`);
  const parts = [`## Restore: ${inline(restoreLabel(scenarioName, restore))}`, facts.join('\n')];
  parts.push(`### Phases\n\n${phasesTable(restore)}`);
  parts.push(`### Checks\n\n${restore.checks.length > 0 ? checksTable(restore.checks) : 'No checks ran.'}`);
  if (restore.warnings && restore.warnings.length > 0) {
    parts.push(`### Warnings\n\n${restore.warnings.map((w) => `- ${inline(truncate(w, 200))}`).join('\n')}`);
  }
  return parts.join('\n\n');
}

function phasesTable(restore: RestoreResult): string {
  if (restore.phases.length === 0) return 'No phases recorded.';
  const total = restore.phases.reduce((sum, p) => sum + p.durationMs, 0);
  const rows = restore.phases.map((p) => [cell(p.name), formatDuration(p.durationMs), share(p.durationMs, total)]);
  rows.push(['**total**', `**${formatDuration(total)}**`, '']);
  return table(['Phase', 'Duration', 'Share'], rows);
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
