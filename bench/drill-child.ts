// Recoverable's side: write a scenario, run `recoverable drill` as a child process, time it, read its result.json.
import { spawn } from 'node:child_process';
import { existsSync, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interruption } from '../src/core/interrupt.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIME = '/usr/bin/time';

export const timeAvailable = existsSync(TIME);

export interface DrillRun {
  totalMs: number;
  /** Peak RSS in kB (GNU time: the largest of the drill's node process and the tools it waited for), null without /usr/bin/time. */
  maxRssKb: number | null;
  backupMs: number;
  phases: Array<{ name: string; durationMs: number }>;
  verdict: string;
}

/** Run one drill of the source at `sourceUrl` (passed as ${BENCH_DB_URL}); everything it writes stays in `dir`. */
export async function drillRound(sourceUrl: string, dir: string, jobs: number): Promise<DrillRun> {
  await mkdir(dir, { recursive: true });
  const scenario = join(dir, 'bench.yaml');
  const reports = join(dir, 'reports');
  await writeFile(scenario, [
    'name: bench',
    'source:',
    '  url: ${BENCH_DB_URL}',
    `repository: ${JSON.stringify(join(dir, 'repo'))}`,
    `backup: { method: dump, jobs: ${jobs} }`,
    'restore: { environment: local, targets: [immediate] }',
    'checks: [rowcounts, fingerprints]',
    `report: { dir: ${JSON.stringify(reports)} }`,
    '',
  ].join('\n'));
  const timeFile = join(dir, 'time.txt');
  const logFile = join(dir, 'drill.log');
  const drill = [process.execPath, join(ROOT, 'src/cli/main.ts'), 'drill', scenario, '--log-format', 'json'];
  const [file, ...args] = timeAvailable ? [TIME, '-v', '-o', timeFile, ...drill] : drill;

  const started = performance.now();
  // Own process group, so an interruption reaches the drill (GNU time ignores SIGINT while it waits).
  const child = spawn(file!, args, { cwd: ROOT, env: { ...process.env, BENCH_DB_URL: sourceUrl }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const unregister = interruption.onInterrupt(async () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 60_000);
    await exited.catch(() => undefined);
    clearTimeout(timer);
  });
  let code: number;
  try {
    code = await exited;
  } finally {
    unregister();
  }
  const totalMs = performance.now() - started;
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-15).join('\n');
    throw new Error(`recoverable drill exited ${code}; last log lines:\n${tail}`);
  }

  const maxRssKb = timeAvailable ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(await readFile(timeFile, 'utf8'))?.[1] ?? NaN) : null;
  const runs = await readdir(reports);
  if (runs.length !== 1) throw new Error(`expected one run in ${reports}, found ${runs.length}`);
  const result = JSON.parse(await readFile(join(reports, runs[0]!, 'result.json'), 'utf8')) as {
    verdict: string;
    backup: { durationMs: number } | null;
    restores: Array<{ phases: Array<{ name: string; durationMs: number }> }>;
  };
  return { totalMs, maxRssKb, backupMs: result.backup?.durationMs ?? NaN, phases: result.restores[0]?.phases ?? [], verdict: result.verdict };
}
