// report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources).

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
import { historySection } from './html-history.ts';
import { targetsOverview } from './html-targets.ts';
import type { BackupSummary, CheckResult, ObjectiveResult, Phase, RestoreResult, RunResult } from '../run/result.ts';
import { provenanceFacts, signatureFact } from './evidence-facts.ts';
import { describeCopy, describeSharedCopy, phaseName } from './restore-copy.ts';
import { upgradeText } from './upgrade-text.ts';

const CELL_MAX = 80;
const TITLE_MAX = 2000;
const PHASE_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#e15759',
  '#9c755f',
  '#bab0ac',
  '#ff9da7',
];

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Render the run result as one self-contained HTML page: the Markdown content plus phase and objective charts. */
export function renderHtml(result: RunResult): string {
  const title = `Recoverable drill ${result.verdict.toUpperCase()}: ${result.scenario.name}`;
  const body = [
    `<header class="verdict ${cls(result.verdict)}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(result.summary)}</p></header>`,
    whatFailed(findingsOf(result)),
    targetsOverview(result),
    runSection(result),
    backupSection(result.backup),
    objectivesSection(result.objectives),
    historySection(result.history),
    result.coverage
      ? `<section><h2>What was compared</h2>${dataTable(
          ['Comparison', 'Coverage', 'Checks', 'Why not'],
          coverageRows(result.coverage).map((r) => r.map(escapeHtml)),
        )}</section>`
      : '',
    result.checks.length > 0 ? `<section><h2>Run-level checks</h2>${checksTable(result.checks)}</section>` : '',
    ...result.restores.map((restore) => restoreSection(result.scenario.name, restore)),
    `<footer>${escapeHtml(`${result.tool.name} ${result.tool.version} · result.json schema v${result.schemaVersion}`)}</footer>`,
  ].filter(Boolean);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function whatFailed(findings: Finding[]): string {
  if (findings.length === 0) {
    return '<section><h2>What failed</h2><p class="ok">Nothing failed: every check and objective passed or was skipped.</p></section>';
  }
  const items = findings.map((f) => {
    const values = [
      f.expected !== undefined ? `expected ${clipped(f.expected)}` : '',
      f.actual !== undefined ? `actual ${clipped(f.actual)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `<li>${badge(f.status)} <code>${escapeHtml(f.subject)}</code> in ${escapeHtml(f.scope)}: ${escapeHtml(f.message)}${values ? ` <span class="values">(${values})</span>` : ''}</li>`;
  });
  return `<section class="failures"><h2>What failed</h2><ul>${items.join('')}</ul></section>`;
}

function runSection(result: RunResult): string {
  const rows: [string, string][] = [
    ['Verdict', badge(result.verdict)],
    ['Scenario', `${escapeHtml(result.scenario.name)} (<code>${escapeHtml(result.scenario.path)}</code>)`],
    ['Scenario SHA-256', `<code>${escapeHtml(result.scenario.sha256)}</code>`],
    ['Run id', `<code>${escapeHtml(result.runId)}</code>`],
    ['Started', escapeHtml(result.startedAt)],
    ['Finished', escapeHtml(result.finishedAt)],
    ['Took', escapeHtml(formatDuration(elapsedMs(result.startedAt, result.finishedAt)))],
    ['Tool', escapeHtml(`${result.tool.name} ${result.tool.version}`)],
  ];
  if (result.provenance)
    rows.push(
      ...provenanceFacts(result.provenance).map(([label, text]) => [label, escapeHtml(text)] as [string, string]),
    );
  if (result.error) rows.push(['Run error', escapeHtml(errorText(result.error))]);
  return `<section><h2>Run</h2>${factsTable(rows)}</section>`;
}

function backupSection(backup: BackupSummary | null): string {
  if (!backup)
    return '<section><h2>Backup</h2><p>No backup: the run stopped before one was taken or chosen.</p></section>';
  const rows: [string, string][] = [
    ['Id', `<code>${escapeHtml(backup.id)}</code>`],
    ['Method', escapeHtml(backup.method)],
    ['Size', escapeHtml(`${formatBytes(backup.sizeBytes)} (${backup.sizeBytes} bytes)`)],
    ['Duration', escapeHtml(formatDuration(backup.durationMs))],
    ['Origin', backupOrigin(backup)],
    ['Taken at', escapeHtml(backup.takenAt)],
    ['Source version', escapeHtml(`PostgreSQL ${backup.sourceVersion}`)],
  ];
  if (backup.startLsn) rows.push(['Start LSN', `<code>${escapeHtml(backup.startLsn)}</code>`]);
  if (backup.stopLsn) rows.push(['Stop LSN', `<code>${escapeHtml(backup.stopLsn)}</code>`]);
  if (backup.chain)
    rows.push(['Incremental chain', escapeHtml(`${[...backup.chain, backup.id].join(' ← ')} (pg_combinebackup)`)]);
  rows.push(signatureFact(backup).map(escapeHtml) as [string, string]);
  return `<section><h2>Backup</h2>${factsTable(rows)}</section>`;
}

function objectivesSection(objectives: ObjectiveResult[]): string {
  if (objectives.length === 0) return '<section><h2>Objectives</h2><p>No objectives were set.</p></section>';
  const rows = objectives.map((o) => [
    escapeHtml(o.name.toUpperCase()),
    escapeHtml(formatDuration(o.objectiveMs)),
    escapeHtml(formatDuration(o.measuredMs)),
    badge(o.status),
    escapeHtml(o.basis),
  ]);
  const table = dataTable(['Objective', 'Target', 'Measured', 'Status', 'Basis'], rows);
  return `<section><h2>Objectives</h2>${table}${objectives.map(objectiveChart).join('')}</section>`;
}

// A bar of the measured value with a marker at the objective, on a scale that fits both.
function objectiveChart(objective: ObjectiveResult): string {
  const name = objective.name.toUpperCase();
  if (objective.measuredMs === null) {
    return `<figure class="chart"><figcaption>${escapeHtml(`${name}: not measured (objective ${formatDuration(objective.objectiveMs)})`)}</figcaption></figure>`;
  }
  const scale = Math.max(objective.objectiveMs, objective.measuredMs, 1) * 1.05;
  const measuredWidth = (Math.max(0, objective.measuredMs) / scale) * 1000;
  const objectiveX = (Math.max(0, objective.objectiveMs) / scale) * 1000;
  const measured = formatDuration(objective.measuredMs);
  const target = formatDuration(objective.objectiveMs);
  const label = `${name} measured ${measured} against objective ${target}`;
  const svg = [
    `<svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 1000 24" preserveAspectRatio="none" width="100%" height="24">`,
    '<rect x="0" y="0" width="1000" height="24" fill="#eaeef2"/>',
    `<rect x="0" y="4" width="${num(measuredWidth)}" height="16" fill="${statusColour(objective.status)}"><title>${escapeHtml(`measured ${measured}`)}</title></rect>`,
    `<rect x="${num(Math.max(0, objectiveX - 2))}" y="0" width="4" height="24" fill="#24292f"><title>${escapeHtml(`objective ${target}`)}</title></rect>`,
    '</svg>',
  ].join('');
  return `<figure class="chart"><figcaption>${escapeHtml(label)} ${badge(objective.status)}</figcaption>${svg}</figure>`;
}

function restoreSection(scenarioName: string, restore: RestoreResult): string {
  const env = restore.environment;
  const reached = restore.reached;
  const rows: [string, string][] = [
    ['Target', `<code>${escapeHtml(restore.target)}</code>`],
    [
      'Environment',
      escapeHtml(
        `${env.kind}, PostgreSQL ${env.version}${env.image ? `, image ${env.image}` : ''}${env.imageDigest ? ` (${env.imageDigest})` : ''}${env.upgrade ? `; ${upgradeText(env.upgrade)}` : ''}`,
      ),
    ],
    ['Reached', escapeHtml(reachedText(reached))],
    ['Proof', escapeHtml(reached.proof)],
  ];
  if (restore.copy) rows.push(['Copy', escapeHtml(describeCopy(restore.copy))]);
  if (restore.sharedCopy) rows.push(['Replay', escapeHtml(describeSharedCopy(restore.sharedCopy))]);
  if (restore.error) rows.push(['Error', escapeHtml(errorText(restore.error))]);
  const parts = [
    `<h2>Restore: ${escapeHtml(restoreLabel(scenarioName, restore))}</h2>`,
    factsTable(rows),
    '<h3>Phases</h3>',
    phaseChart(restore.phases),
    phasesTable(restore.phases),
    '<h3>Checks</h3>',
    restore.checks.length > 0 ? checksTable(restore.checks) : '<p>No checks ran.</p>',
  ];
  if (restore.warnings && restore.warnings.length > 0) {
    parts.push(
      '<h3>Warnings</h3>',
      `<ul class="warnings">${restore.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
    );
  }
  return `<section class="restore">${parts.join('')}</section>`;
}

function reachedText(reached: RestoreResult['reached']): string {
  const where = [
    reached.lsn ? `LSN ${reached.lsn}` : '',
    reached.xid ? `xid ${reached.xid}` : '',
    reached.time ? `time ${reached.time}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return where ? `${reached.kind} at ${where}` : reached.kind;
}

// A horizontal stacked bar of phase durations, each segment with a tooltip, plus a legend in HTML.
function phaseChart(phases: Phase[]): string {
  const total = phases.reduce((sum, p) => sum + Math.max(0, p.durationMs), 0);
  if (total <= 0) return '';
  let x = 0;
  const segments = phases.map((phase, index) => {
    const width = (Math.max(0, phase.durationMs) / total) * 1000;
    const rect = `<rect x="${num(x)}" y="0" width="${num(width)}" height="28" fill="${phaseColour(index)}"><title>${escapeHtml(`${phaseName(phase)}: ${formatDuration(phase.durationMs)}`)}</title></rect>`;
    x += width;
    return rect;
  });
  const label = `phase durations, total ${formatDuration(total)}`;
  const legend = phases.map(
    (phase, index) =>
      `<li><span class="swatch" style="background:${phaseColour(index)}"></span>${escapeHtml(`${phaseName(phase)} ${formatDuration(phase.durationMs)}`)}</li>`,
  );
  return [
    '<figure class="chart">',
    `<svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 1000 28" preserveAspectRatio="none" width="100%" height="28">${segments.join('')}</svg>`,
    `<figcaption><ul class="legend">${legend.join('')}</ul></figcaption>`,
    '</figure>',
  ].join('');
}

function phasesTable(phases: Phase[]): string {
  if (phases.length === 0) return '<p>No phases recorded.</p>';
  const total = phases.reduce((sum, p) => sum + p.durationMs, 0);
  const rows = phases.map((p) => [
    escapeHtml(phaseName(p)),
    escapeHtml(formatDuration(p.durationMs)),
    total > 0 ? `${Math.round((p.durationMs / total) * 100)}%` : '',
  ]);
  rows.push(['<strong>total</strong>', `<strong>${escapeHtml(formatDuration(total))}</strong>`, '']);
  return dataTable(['Phase', 'Duration', 'Share'], rows);
}

function checksTable(checks: CheckResult[]): string {
  const rows = checks.map((c) => [
    badge(c.status),
    `<code>${escapeHtml(c.id)}</code>`,
    escapeHtml(c.exactness ?? ''),
    clipped(describeValue(c.expected)),
    clipped(describeValue(c.actual)),
    escapeHtml(c.message),
  ]);
  return dataTable(['Status', 'Id', 'Exactness', 'Expected', 'Actual', 'Message'], rows, 'checks');
}

// A long value cut to fit the table, the full text (up to a limit) kept in a tooltip.
function clipped(text: string): string {
  const short = truncate(text, CELL_MAX);
  if (short === text) return `<span class="value">${escapeHtml(text)}</span>`;
  return `<span class="value" title="${escapeHtml(truncate(text, TITLE_MAX))}">${escapeHtml(short)}</span>`;
}

function factsTable(rows: [string, string][]): string {
  const body = rows
    .map(([field, value]) => `<tr><th scope="row">${escapeHtml(field)}</th><td>${value}</td></tr>`)
    .join('');
  return `<table class="facts"><tbody>${body}</tbody></table>`;
}

// Cells arrive already escaped (they may hold badges or code spans).
function dataTable(header: string[], rows: string[][], className = ''): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table${className ? ` class="${className}"` : ''}><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function badge(status: string): string {
  return `<span class="badge ${cls(status)}">${escapeHtml(status)}</span>`;
}

// Status words become class names only from the known set, so odd input cannot inject attributes.
function cls(status: string): string {
  return ['passed', 'failed', 'errored', 'skipped'].includes(status) ? status : 'unknown';
}

function statusColour(status: string): string {
  if (status === 'passed') return '#1a7f37';
  if (status === 'failed') return '#cf222e';
  if (status === 'errored') return '#9a6700';
  return '#6e7781';
}

function phaseColour(index: number): string {
  return PHASE_COLOURS[index % PHASE_COLOURS.length] ?? '#6e7781';
}

function errorText(error: NonNullable<RunResult['error']>): string {
  return `${error.code}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`;
}

function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
}

const STYLE = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
body{max-width:72rem;margin:0 auto;padding:1.5rem;line-height:1.45}
h1{margin:0 0 .25rem;font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
header.verdict{padding:1rem 1.25rem;border-radius:6px;border-left:8px solid #6e7781;background:#f6f8fa}
header.passed{border-color:#1a7f37;background:#dafbe1}header.failed{border-color:#cf222e;background:#ffebe9}
header.errored{border-color:#9a6700;background:#fff8c5}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f6f8fa}table.facts th{background:#f6f8fa;font-weight:600}
table.checks td:last-child{max-width:32rem}
code,.value{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.8rem;font-weight:600;color:#fff;background:#6e7781}
.badge.passed{background:#1a7f37}.badge.failed{background:#cf222e}.badge.errored{background:#9a6700}
section.failures li{margin:.25rem 0}.ok{color:#1a7f37}
figure.chart{margin:.75rem 0}figure.chart svg{display:block;border:1px solid #d0d7de}
ul.legend{list-style:none;padding:0;margin:.35rem 0;display:flex;flex-wrap:wrap;gap:.35rem 1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;border-radius:2px}
footer{margin-top:2rem;color:#6e7781;font-size:.8rem}
@media print{body{max-width:none}header.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`.trim();
