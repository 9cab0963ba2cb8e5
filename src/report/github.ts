// GitHub Actions: the Markdown summary for the job page and `::error` annotations for what failed.
import { findingsOf, truncate } from './format.ts';
import type { RunResult } from '../run/result.ts';

// GitHub shows at most 10 error annotations per step; the rest are counted in one more.
const ANNOTATIONS_MAX = 10;

/** Where the step summary goes, or null: only inside GitHub Actions, with a summary file, and not opted out. */
export function stepSummaryFile(env: NodeJS.ProcessEnv, optedIn: boolean): string | null {
  if (env.GITHUB_ACTIONS !== 'true' || !optedIn || env.RECOVERABLE_STEP_SUMMARY === 'false') return null;
  return env.GITHUB_STEP_SUMMARY || null;
}

/** `::error` workflow commands for everything that failed or errored, at most ten and a count of the rest. */
export function errorAnnotations(result: RunResult): string[] {
  const findings = findingsOf(result);
  const lines = findings.slice(0, ANNOTATIONS_MAX).map((f) => {
    const values = [
      f.expected !== undefined ? `expected ${truncate(f.expected, 200)}` : '',
      f.actual !== undefined ? `actual ${truncate(f.actual, 200)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const title = `Recoverable ${result.scenario.name}: ${f.status} ${f.subject}`;
    return command(title, `${f.scope}: ${f.message}${values ? ` (${values})` : ''}`);
  });
  if (findings.length > ANNOTATIONS_MAX) {
    lines.push(
      command(
        `Recoverable ${result.scenario.name}: ${findings.length - ANNOTATIONS_MAX} more`,
        `${findings.length - ANNOTATIONS_MAX} more checks or objectives did not pass: see the step summary or report.html`,
      ),
    );
  }
  return lines;
}

function command(title: string, message: string): string {
  return `::error title=${escapeProperty(title)}::${escapeData(message)}`;
}

/** Escape a workflow command's message as GitHub's toolkit does: %, CR and LF. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Escape a workflow command's property value: as data, plus `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
