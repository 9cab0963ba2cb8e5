// pg_upgrade's findings as checks: each report it wrote is a failed check in its own words.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';

/** One `*.txt` report pg_upgrade left under `pg_upgrade_output.d` (e.g. tables_using_reg.txt). */
export interface UpgradeReport {
  /** File name, e.g. `tables_using_reg.txt`. */
  file: string;
  text: string;
}

/** What one pg_upgrade run (`--check` or the upgrade) did. */
export interface UpgradeRun {
  /** `check` for `pg_upgrade --check`, else the transfer mode of the upgrade itself. */
  step: 'check' | 'copy' | 'link' | 'clone';
  ok: boolean;
  /** pg_upgrade's stdout and stderr, as it printed them. */
  output: string;
  reports: UpgradeReport[];
  durationMs: number;
  /** The new major's release, e.g. "17.12". */
  toVersion: string;
}

const SHOWN_LINES = 12;

/** Checks for one pg_upgrade run: passed, one failed `upgrade:<report>` per report, or `upgrade:pg_upgrade` quoting its last lines. */
export function upgradeChecks(run: UpgradeRun): CheckResult[] {
  const ms = Math.round(run.durationMs);
  const what = run.step === 'check' ? 'pg_upgrade --check' : `pg_upgrade --${run.step}`;
  const id = run.step === 'check' ? 'upgrade:check' : 'upgrade:pg_upgrade';
  if (run.ok) {
    const verdict =
      lastMeaningful(run.output, /Clusters are compatible|Upgrade Complete/i)?.replace(/^\*+|\*+$/g, '') ?? 'completed';
    return [
      pass(
        'upgrade',
        id,
        'exact',
        'no findings',
        'no findings',
        `${what} (PostgreSQL ${run.toVersion}): ${verdict}`,
        ms,
      ),
    ];
  }
  // A report pg_upgrade mentioned but that is not in its output directory is still named, from its words.
  const named = mentionedReports(run.output).filter((file) => !run.reports.some((r) => r.file === file));
  const reports = [...run.reports, ...named.map((file) => ({ file, text: '' }))];
  if (!reports.length) {
    const tail = lastLines(run.output, SHOWN_LINES);
    return [
      fail(
        'upgrade',
        'upgrade:pg_upgrade',
        'exact',
        'success',
        'failed',
        `${what} (PostgreSQL ${run.toVersion}) failed without a report: ${tail || 'no output'}`,
        ms,
      ),
    ];
  }
  return reports.map((report) => {
    const name = report.file.replace(/\.txt$/, '');
    const words = explanation(run.output, report.file);
    const listed = report.text
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const shown =
      listed.slice(0, SHOWN_LINES).join(' | ') +
      (listed.length > SHOWN_LINES ? ` | … ${listed.length - SHOWN_LINES} more line(s)` : '');
    const message = `${what} (PostgreSQL ${run.toVersion}) refused the cluster: ${words ? `"${words}"` : `it wrote ${report.file}`}${shown ? `; ${report.file}: ${shown}` : report.text === '' ? ` (${report.file} was not found in pg_upgrade_output.d)` : ''}`;
    return fail(
      'upgrade',
      `upgrade:${name}`,
      'exact',
      'no findings',
      listed.length ? listed : report.file,
      message,
      ms,
    );
  });
}

/** Report files pg_upgrade's output points at ("... is in the file:\n    /path/x.txt"). */
export function mentionedReports(output: string): string[] {
  const found = [...output.matchAll(/([^\s/]+\.txt)\s*$/gm)].map((m) => m[1]!);
  return [...new Set(found)];
}

/**
 * pg_upgrade's own explanation of a report: the step that failed ("Checking for reg* data types in user tables") and
 * the paragraph before "A list of the problem columns is in the file:", whitespace folded.
 */
export function explanation(output: string, file: string): string | null {
  const lines = output.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.endsWith(`/${file}`) || l === file);
  if (at < 0) return null;
  let end = at;
  // "A list of ... is in the file:" introduces the path: the explanation is the paragraph before it (17 puts a blank line between).
  if (end > 0 && /^A list of .*in the file:$/.test(lines[end - 1]!)) end--;
  while (end > 0 && lines[end - 1] === '') end--;
  let start = end;
  while (start > 0 && lines[start - 1] !== '' && !isStepLine(lines[start - 1]!)) start--;
  const paragraph = lines
    .slice(start, end)
    .join(' ')
    .replace(/^Data type checks failed:\s*/, '');
  return [failedStep(lines.slice(0, start)), paragraph].filter(Boolean).join(': ') || null;
}

// A progress line of pg_upgrade ("Checking ...   ok", "... failed check: ...", "fatal").
function isStepLine(line: string): boolean {
  return /^Checking |failed check:|^fatal$/.test(line);
}

// The failed step named above the explanation, when only one is: "failed check: X" (17) or "Checking X   fatal" (15, 16).
function failedStep(above: string[]): string | null {
  const named = above.flatMap((l) => [...l.matchAll(/failed check:\s*(.+)$/g)].map((m) => m[1]!.trim()));
  if (named.length === 1) return named[0]!;
  if (named.length > 1) return null;
  const fatal = above.filter((l) => /^Checking .*\sfatal$/.test(l));
  return fatal.length ? fatal.at(-1)!.replace(/\s+fatal$/, '') : null;
}

// The last line matching `pattern`, trimmed.
function lastMeaningful(output: string, pattern: RegExp): string | null {
  return (
    output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => pattern.test(l))
      .at(-1) ?? null
  );
}

// The last `n` lines that say something (not a step that went ok, nor a heading), joined for a one-line message.
function lastLines(output: string, n: number): string {
  return output
    .split('\n')
    .map((l) => l.trim().replace(/\s{2,}/g, ' '))
    .filter((l) => l && !/ ok$|^-+$|^Performing Consistency Checks/.test(l))
    .slice(-n)
    .join(' | ');
}
