// `recoverable report <run>`: render a run's reports again from result.json (the source of truth).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeReports } from '../report/write.ts';
import { UsageError } from '../core/errors.ts';
import { runResultSchema } from '../run/result-schema.ts';
import type { RunResult } from '../run/result.ts';
import type { CommandContext } from './context.ts';

const HINT = 'pass a reports/<run-id> directory written by `recoverable drill`, or its result.json';

export async function handler(args: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  const given = String(args.run);
  const file = (await stat(given).catch(() => null))?.isDirectory() ? join(given, 'result.json') : given;
  const result = await readRunResult(file);
  const written = await writeReports(result, dirname(file), ['json', 'junit', 'markdown', 'html']);
  process.stdout.write(`${written.join('\n')}\n`);
  return result.verdict === 'passed' ? 0 : 1;
}

// A run result as the drill wrote it; anything else (unreadable, not JSON, another shape) is bad input, exit 2.
async function readRunResult(file: string): Promise<RunResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`cannot read a run result from ${file}: ${(cause as Error).message}`, { hint: HINT, cause });
  }
  const checked = runResultSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`${file} is not a run result: ${issue.path.join('.') || 'the top level'}: ${issue.message}`, {
      hint: HINT,
    });
  }
  // Checked above; zod types an optional key as possibly undefined, which parsed JSON never holds.
  return parsed as RunResult;
}
