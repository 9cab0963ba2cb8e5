// `recoverable report <run>`: render a run's reports again from result.json (the source of truth).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeReports } from '../report/write.ts';
import { UsageError } from '../core/errors.ts';
import type { RunResult } from '../run/result.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  const given = String(args.run);
  const file = (await stat(given).catch(() => null))?.isDirectory() ? join(given, 'result.json') : given;
  let result: RunResult;
  try {
    result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
  } catch (cause) {
    throw new UsageError(`cannot read a run result from ${file}`, { hint: 'pass a reports/<run-id> directory written by `recoverable drill`', cause });
  }
  const written = await writeReports(result, dirname(file), ['json', 'junit', 'markdown', 'html']);
  process.stdout.write(`${written.join('\n')}\n`);
  return result.verdict === 'passed' ? 0 : 1;
}
