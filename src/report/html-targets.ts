// The HTML report's targets overview: one row per restore (the same rows as the Markdown summary's).
import { escapeHtml } from './html.ts';
import { targetRows } from './targets.ts';
import { truncate } from './format.ts';
import type { RunResult } from '../run/result.ts';

const CELL_MAX = 120;

/** A `<section id="targets">` with target, reached, proof, verdict, RTO and check counts per restore. */
export function targetsOverview(result: RunResult): string {
  if (result.restores.length === 0) return '<section id="targets"><h2>Targets</h2><p>No restore ran.</p></section>';
  const head = ['Target', 'Reached', 'Proof', 'Verdict', 'RTO', 'Checks']
    .map((h) => `<th scope="col">${h}</th>`)
    .join('');
  const rows = targetRows(result).map((t) => {
    // The verdict is one of a closed set, so it is safe as a class name.
    const cells = [
      `<code>${escapeHtml(t.target)}</code>`,
      escapeHtml(t.reached),
      `<span title="${escapeHtml(t.proof)}">${escapeHtml(truncate(t.proof, CELL_MAX))}</span>`,
      `<span class="badge ${t.verdict}">${t.verdict}</span>`,
      escapeHtml(t.rto),
      escapeHtml(t.checks),
    ];
    return `<tr class="target ${t.verdict}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<section id="targets"><h2>Targets</h2><table class="targets"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
