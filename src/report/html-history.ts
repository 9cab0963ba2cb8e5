// The HTML report's history: a verdict strip and RTO/RPO bars over the scenario's recent runs (inline SVG, no scripts).
import { formatDuration } from './format.ts';
import { escapeHtml } from './html.ts';
import type { HistoryPoint, Verdict } from '../run/result.ts';

const WIDTH = 1000;
const BAR_HEIGHT = 120;
const STRIP_HEIGHT = 24;
const VERDICT_COLOURS: Record<Verdict, string> = { passed: '#1a7f37', failed: '#cf222e', errored: '#9a6700' };
const NO_OBJECTIVE = '#4e79a7';
const NOT_MEASURED = '#d0d7de';

/** The history section, or nothing when the run carries no history (the ledger could not be read). */
export function historySection(history: readonly HistoryPoint[] | undefined): string {
  if (history === undefined || history.length === 0) return '';
  const first = history[0]!;
  const last = history[history.length - 1]!;
  const span =
    history.length === 1 ? 'this run only' : `${history.length} runs from ${first.finishedAt} to ${last.finishedAt}`;
  return [
    '<section class="history">',
    '<h2>History</h2>',
    `<p>${escapeHtml(`The scenario's recent runs from the repository's run ledger, oldest first: ${span}.`)}</p>`,
    verdictStrip(history),
    durationChart(history, 'rto'),
    durationChart(history, 'rpo'),
    '</section>',
  ].join('');
}

/** One square per run, coloured by verdict, each with a tooltip naming the run. */
export function verdictStrip(history: readonly HistoryPoint[]): string {
  const slot = WIDTH / history.length;
  const cells = history.map(
    (p, i) =>
      `<rect x="${coord(i * slot + 1)}" y="2" width="${coord(Math.max(1, slot - 2))}" height="${STRIP_HEIGHT - 4}" fill="${VERDICT_COLOURS[p.verdict] ?? NOT_MEASURED}"><title>${escapeHtml(`${p.finishedAt} ${p.verdict} (run ${p.runId}), ${p.checksFailed} check${p.checksFailed === 1 ? '' : 's'} failed`)}</title></rect>`,
  );
  const passed = history.filter((p) => p.verdict === 'passed').length;
  const label = `verdicts of the last ${history.length} runs: ${passed} passed, ${history.length - passed} did not`;
  return `<figure class="chart"><figcaption>${escapeHtml(label)}</figcaption><svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${STRIP_HEIGHT}" preserveAspectRatio="none" width="100%" height="${STRIP_HEIGHT}">${cells.join('')}</svg></figure>`;
}

/** A bar per run of the measured RTO or RPO, with the objective as a dark tick above each run's slot. */
export function durationChart(history: readonly HistoryPoint[], kind: 'rto' | 'rpo'): string {
  const name = kind.toUpperCase();
  const values = history.map((p) => ({
    point: p,
    measuredMs: kind === 'rto' ? p.rtoMs : p.rpoMs,
    objectiveMs: kind === 'rto' ? p.rtoObjectiveMs : p.rpoObjectiveMs,
  }));
  const known = values.flatMap((v) => [v.measuredMs, v.objectiveMs]).filter((n): n is number => n !== null);
  if (values.every((v) => v.measuredMs === null))
    return `<figure class="chart"><figcaption>${escapeHtml(`${name}: not measured in these runs`)}</figcaption></figure>`;
  const scale = Math.max(1, ...known) * 1.1;
  const slot = WIDTH / values.length;
  const y = (ms: number): number => BAR_HEIGHT - (Math.max(0, ms) / scale) * BAR_HEIGHT;
  const shapes = values.map(({ point, measuredMs, objectiveMs }, i) => {
    const x = i * slot;
    const objectiveText = objectiveMs === null ? 'no objective' : `objective ${formatDuration(objectiveMs)}`;
    const title = `${point.finishedAt}: ${name} ${measuredMs === null ? 'not measured' : formatDuration(measuredMs)}, ${objectiveText}`;
    const bar =
      measuredMs === null
        ? `<rect x="${coord(x + slot * 0.15)}" y="${BAR_HEIGHT - 3}" width="${coord(slot * 0.7)}" height="3" fill="${NOT_MEASURED}"><title>${escapeHtml(title)}</title></rect>`
        : `<rect x="${coord(x + slot * 0.15)}" y="${coord(y(measuredMs))}" width="${coord(slot * 0.7)}" height="${coord(BAR_HEIGHT - y(measuredMs))}" fill="${barColour(measuredMs, objectiveMs)}"><title>${escapeHtml(title)}</title></rect>`;
    const tick =
      objectiveMs === null
        ? ''
        : `<rect x="${coord(x)}" y="${coord(Math.max(0, y(objectiveMs) - 1))}" width="${coord(slot)}" height="2" fill="#24292f"><title>${escapeHtml(objectiveText)}</title></rect>`;
    return bar + tick;
  });
  const measuredValues = values.map((v) => v.measuredMs).filter((n): n is number => n !== null);
  const label = `${name} over the last ${values.length} runs: from ${formatDuration(Math.min(...measuredValues))} to ${formatDuration(Math.max(...measuredValues))}, scale to ${formatDuration(scale)}; dark ticks mark the objective`;
  return `<figure class="chart"><figcaption>${escapeHtml(label)}</figcaption><svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${BAR_HEIGHT}" preserveAspectRatio="none" width="100%" height="${BAR_HEIGHT}">${shapes.join('')}</svg></figure>`;
}

// Red over the objective, green within it, blue when there is none to judge by.
function barColour(measuredMs: number, objectiveMs: number | null): string {
  if (objectiveMs === null) return NO_OBJECTIVE;
  return measuredMs > objectiveMs ? VERDICT_COLOURS.failed : VERDICT_COLOURS.passed;
}

function coord(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
}
