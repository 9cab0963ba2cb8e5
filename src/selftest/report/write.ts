// Write the self-test's reports (selftest.json first) and every drill's own result.json into one run directory.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../repository/durable.ts';
import { renderJson } from '../../report/json.ts';
import type { SelftestRun } from '../runner.ts';
import { renderSelftestHtml } from './html.ts';
import { renderSelftestJson } from './json.ts';
import { renderSelftestJunit } from './junit.ts';
import { renderSelftestMarkdown } from './markdown.ts';

/** The files of a self-test report directory. */
export const SELFTEST_FILES = {
  json: 'selftest.json',
  junit: 'junit.xml',
  markdown: 'summary.md',
  html: 'report.html',
} as const;

/** Write every report into `dir` (created if missing); drills' results go to `drills/<method>-<name>.json`. Returns the paths. */
export async function writeSelftestReports(run: SelftestRun, dir: string): Promise<string[]> {
  const written: string[] = [];
  const write = async (path: string, content: string): Promise<void> => {
    await writeFileAtomic(path, content).catch((cause: unknown) => {
      throw new EnvironmentError('report-write-failed', `could not write report ${path}: ${(cause as Error).message}`, {
        cause,
        hint: 'check that the report directory is writable and the disk is not full',
      });
    });
    written.push(path);
  };
  await mkdir(join(dir, 'drills'), { recursive: true });
  await write(join(dir, SELFTEST_FILES.json), renderSelftestJson(run.result));
  await write(join(dir, SELFTEST_FILES.junit), renderSelftestJunit(run.result));
  await write(join(dir, SELFTEST_FILES.markdown), renderSelftestMarkdown(run.result));
  await write(join(dir, SELFTEST_FILES.html), renderSelftestHtml(run.result));
  for (const drill of run.drills) await write(join(dir, 'drills', `${drill.name}.json`), renderJson(drill.result));
  return written;
}
