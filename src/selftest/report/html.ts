// report.html: the matrix as one self-contained page (inline CSS, no scripts).
import { escapeHtml } from '../../report/html.ts';
import { formatDuration } from '../../report/format.ts';
import type { SelftestResult } from '../result.ts';
import { matrixRows, outcomeText } from './matrix.ts';

/** Render the result as one HTML page: the verdict, then the matrix per method. */
export function renderSelftestHtml(result: SelftestResult): string {
  const title = `Recoverable selftest ${result.verdict.toUpperCase()}`;
  const rows = matrixRows(result);
  const took = formatDuration(Date.parse(result.finishedAt) - Date.parse(result.startedAt));
  const sections = result.methods.map((method) => {
    const body = rows
      .filter((r) => r.method === method.method)
      .map(
        (r) =>
          `<tr class="${r.ok ? 'ok' : 'bad'}">${[
            `<code>${escapeHtml(r.fault)}</code>`,
            escapeHtml(r.stage),
            escapeHtml(r.injected),
            `<code>${escapeHtml(r.expected)}</code>`,
            `<span class="badge ${r.ok ? 'passed' : 'failed'}">${escapeHtml(outcomeText(r.outcome))}</span>`,
            `<code>${escapeHtml(r.caughtBy)}</code>`,
            escapeHtml(r.message),
          ]
            .map((c) => `<td>${c}</td>`)
            .join('')}</tr>`,
      )
      .join('');
    return `<section><h2>${escapeHtml(method.method)}</h2><table><thead><tr><th>fault</th><th>stage</th><th>injected</th><th>meant to be caught by</th><th>outcome</th><th>failed checks</th><th>message</th></tr></thead><tbody>${body}</tbody></table></section>`;
  });
  const weakened = result.weakened.length
    ? `<p class="weak">Weakened on purpose: ${escapeHtml(result.weakened.join(', '))} left out of every drill.</p>`
    : '';
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
    `<header class="verdict ${result.verdict === 'passed' ? 'passed' : 'failed'}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(result.summary)}</p></header>`,
    `<p>${escapeHtml(`${result.environment.kind} PostgreSQL ${result.environment.version}, run ${result.runId}, ${took}`)}</p>`,
    weakened,
    ...sections,
    `<footer>${escapeHtml(`${result.tool.name} ${result.tool.version} · selftest.json schema v${result.schemaVersion}`)}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
:root{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
body{max-width:90rem;margin:0 auto;padding:1.5rem;line-height:1.4}
header.verdict{padding:1rem 1.25rem;border-radius:6px;border-left:8px solid #6e7781}
header.passed{border-color:#1a7f37;background:#dafbe1}header.failed{border-color:#cf222e;background:#ffebe9}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f6f8fa}tr.bad td{background:#fff5f5}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-weight:600;color:#fff;white-space:nowrap}
.badge.passed{background:#1a7f37}.badge.failed{background:#cf222e}.weak{color:#9a6700;font-weight:600}
footer{margin-top:2rem;color:#6e7781;font-size:.8rem}
`.trim();
