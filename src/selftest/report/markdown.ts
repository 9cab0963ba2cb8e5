// summary.md: the verdict, then the matrix fault by fault (what the README shows).
import { formatDuration, truncate } from '../../report/format.ts';
import type { SelftestResult } from '../result.ts';
import { matrixRows, outcomeText } from './matrix.ts';

const MESSAGE_MAX = 160;

/** Render the result as Markdown: the verdict line and one table per method. */
export function renderSelftestMarkdown(result: SelftestResult): string {
  const rows = matrixRows(result);
  const took = formatDuration(Date.parse(result.finishedAt) - Date.parse(result.startedAt));
  const parts = [
    `# Recoverable selftest ${result.verdict.toUpperCase()}`,
    `> ${inline(result.summary)}`,
    `${result.environment.kind} PostgreSQL ${result.environment.version}, run ${code(result.runId)}, ${took}.` +
      (result.weakened.length
        ? ` **Weakened on purpose**: ${result.weakened.map(code).join(', ')} left out of every drill.`
        : ''),
  ];
  for (const method of result.methods) {
    const body = rows
      .filter((r) => r.method === method.method)
      .map(
        (r) =>
          `| ${r.ok ? '' : '**'}${code(r.fault)}${r.ok ? '' : '**'} | ${r.stage} | ${cell(r.injected)} | ${code(r.expected)} | ${r.ok ? outcomeText(r.outcome) : `**${outcomeText(r.outcome)}**`} | ${r.caughtBy ? code(r.caughtBy) : ''} | ${cell(truncate(r.message, MESSAGE_MAX))} |`,
      );
    parts.push(
      `## ${method.method}\n\n| fault | stage | injected | meant to be caught by | outcome | failed checks | message |\n|---|---|---|---|---|---|---|\n${body.join('\n')}`,
    );
  }
  return `${parts.join('\n\n')}\n`;
}

function inline(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replaceAll('<', '&lt;');
}

function cell(text: string): string {
  return inline(text).replaceAll('|', '\\|');
}

function code(text: string): string {
  return `\`${text
    .replace(/\r?\n|\r/g, ' ')
    .replaceAll('`', "'")
    .replaceAll('|', '\\|')}\``;
}
