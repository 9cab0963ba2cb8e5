// Recoverable's side: write a scenario, run `recoverable drill` (or `backup`) as a child process, time it, read what it wrote.
import { spawn } from 'node:child_process';
import { existsSync, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { run } from '../src/core/exec.ts';
import { fileURLToPath } from 'node:url';
import { interruption } from '../src/core/interrupt.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIME = '/usr/bin/time';

export const timeAvailable = existsSync(TIME);

/** Which CLI the drills run: the shipped one (dist/, as package.json's bin) or src/ through Node's type stripping. */
export type CliBuild = 'built' | 'source';

let cliEntry = join(ROOT, 'src/cli/main.ts');

/**
 * Choose the CLI the drills run; `built` compiles src/ into dist/ first (`npm run build`), so the figures are the
 * shipped CLI's and never a stale build's. Returns the entry, relative to the checkout.
 */
export async function prepareCli(build: CliBuild): Promise<string> {
  if (build === 'built') {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], {
      cwd: ROOT,
    });
    cliEntry = join(ROOT, 'dist/cli/main.js');
  } else cliEntry = join(ROOT, 'src/cli/main.ts');
  return relative(ROOT, cliEntry);
}

/** Every CLI run of this bench process (command and peak RSS), for the peak RSS line. */
export const childRuns: Array<{ command: string; maxRssKb: number | null }> = [];

export interface DrillRun {
  totalMs: number;
  /** Peak RSS in kB (GNU time: the largest of the drill's node process and the tools it waited for), null without /usr/bin/time. */
  maxRssKb: number | null;
  backupMs: number;
  phases: Array<{ name: string; durationMs: number; reused?: boolean }>;
  /** The restore's checks (id, status, message, duration), for what the drill did and did not verify. */
  checks: DrillCheck[];
  /** Every restore of the run, one per target, in order (phases and checks above are the first's). */
  restores: Array<{ target: string; phases: DrillRun['phases']; checks: DrillCheck[] }>;
  verdict: string;
}

/** One check of a restore as result.json records it. */
export interface DrillCheck {
  id: string;
  kind: string;
  status: string;
  message: string;
  durationMs: number;
}

/** One run of the CLI: wall time, peak RSS and its stdout. */
export interface ChildRun {
  totalMs: number;
  maxRssKb: number | null;
  stdout: string;
}

/** Run one drill of the source at `sourceUrl` (passed as ${BENCH_DB_URL}); everything it writes stays in `dir`; `keyFile` encrypts the repository. */
export async function drillRound(sourceUrl: string, dir: string, jobs: number, keyFile?: string): Promise<DrillRun> {
  await mkdir(dir, { recursive: true });
  const scenario = join(dir, 'bench.yaml');
  const encryption = keyFile ? [`encryption: { key: { file: ${JSON.stringify(keyFile)} } }`] : [];
  await writeScenario(scenario, dir, [
    ...encryption,
    `backup: { method: dump, jobs: ${jobs} }`,
    'restore: { environment: local, targets: [immediate] }',
  ]);
  const child = await runRecoverable(['drill', scenario], sourceUrl, dir, 'drill');
  return { ...child, ...(await readResult(join(dir, 'reports'))) };
}

/** A `recoverable backup` run: its id, and how its time split as its log says (null when the log does not say). */
export interface BackupRun extends ChildRun {
  backupId: string;
  /** pg_basebackup itself. */
  basebackupMs: number | null;
  /** Waiting for the archiver to hold the stop segment, after pg_basebackup exited. */
  archiveWaitMs: number | null;
}

/** `recoverable backup` of a basebackup scenario into `dir`/repo (the source archives there already); returns the backup id. */
export async function physicalBackup(sourceUrl: string, dir: string): Promise<BackupRun> {
  const scenario = join(dir, 'backup.yaml');
  await writeScenario(scenario, dir, [
    'backup: { method: basebackup }',
    'restore: { environment: local, targets: [latest] }',
  ]);
  const child = await runRecoverable(['backup', scenario], sourceUrl, dir, 'backup');
  const backupId = child.stdout.trim().split('\n').at(-1) ?? '';
  if (!backupId) throw new Error('recoverable backup printed no backup id');
  return { ...child, backupId, ...(await backupSplit(join(dir, 'backup.log'))) };
}

// The backup's "complete" log line carries pg_basebackup's duration and the archive wait (JSON log).
async function backupSplit(logFile: string): Promise<Pick<BackupRun, 'basebackupMs' | 'archiveWaitMs'>> {
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { basebackupMs?: unknown; archiveWaitMs?: unknown };
    if (typeof entry.basebackupMs === 'number')
      return {
        basebackupMs: entry.basebackupMs,
        archiveWaitMs: typeof entry.archiveWaitMs === 'number' ? entry.archiveWaitMs : null,
      };
  }
  return { basebackupMs: null, archiveWaitMs: null };
}

/** Where a physical drill reads and writes, and what it restores to. */
export interface PhysicalDrillOptions {
  /** The repository holding the backup and its WAL archive. */
  repo: string;
  /** Where the scenario, logs and reports go (one run per directory). */
  dir: string;
  /** Targets as a YAML flow sequence, e.g. `[latest]` or `[{ marker: batch-1 }]`. */
  targets?: string;
  /** Replay through this command instead of Recoverable's own fetch-wal (a diagnostic). */
  restoreCommand?: string;
}

/** `recoverable drill` of the latest basebackup in `options.repo`, to `options.targets` (default `latest`). */
export async function physicalDrill(sourceUrl: string, options: PhysicalDrillOptions): Promise<DrillRun> {
  const { dir, restoreCommand } = options;
  const scenario = join(dir, 'drill.yaml');
  const source = restoreCommand
    ? ['source:', '  url: ${BENCH_DB_URL}', `  restoreCommand: ${JSON.stringify(restoreCommand)}`]
    : undefined;
  await writeScenario(
    scenario,
    dir,
    [
      'backup: { method: basebackup, use: latest }',
      `restore: { environment: local, targets: ${options.targets ?? '[latest]'} }`,
    ],
    source,
    options.repo,
  );
  const child = await runRecoverable(['drill', scenario], sourceUrl, dir, 'drill');
  return { ...child, ...(await readResult(join(dir, 'reports'))) };
}

async function writeScenario(
  file: string,
  dir: string,
  lines: string[],
  source = ['source:', '  url: ${BENCH_DB_URL}'],
  repo = join(dir, 'repo'),
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    file,
    [
      'name: bench',
      ...source,
      `repository: ${JSON.stringify(repo)}`,
      ...lines,
      'checks: [rowcounts, fingerprints]',
      `report: { dir: ${JSON.stringify(join(dir, 'reports'))} }`,
      '',
    ].join('\n'),
  );
}

// Run the CLI as a child (under GNU time when installed); logs go to `dir`/<name>.log; a non-zero exit throws.
async function runRecoverable(command: string[], sourceUrl: string, dir: string, name: string): Promise<ChildRun> {
  const timeFile = join(dir, `${name}.time.txt`);
  const logFile = join(dir, `${name}.log`);
  const cli = [process.execPath, cliEntry, ...command, '--log-format', 'json'];
  const [file, ...args] = timeAvailable ? [TIME, '-v', '-o', timeFile, ...cli] : cli;

  const started = performance.now();
  // Own process group, so an interruption reaches the drill (GNU time ignores SIGINT while it waits).
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: { ...process.env, BENCH_DB_URL: sourceUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(logFile);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
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
    throw new Error(`recoverable ${command[0]} exited ${code}; last log lines:\n${tail}`);
  }
  const maxRssKb = timeAvailable
    ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(await readFile(timeFile, 'utf8'))?.[1] ?? NaN)
    : null;
  childRuns.push({ command: command[0]!, maxRssKb });
  return { totalMs, maxRssKb, stdout };
}

// The one run's result.json under `reports`.
async function readResult(reports: string): Promise<Omit<DrillRun, 'totalMs' | 'maxRssKb'>> {
  const runs = await readdir(reports);
  if (runs.length !== 1) throw new Error(`expected one run in ${reports}, found ${runs.length}`);
  const result = JSON.parse(await readFile(join(reports, runs[0]!, 'result.json'), 'utf8')) as {
    verdict: string;
    backup: { durationMs: number } | null;
    restores: Array<{
      target: string;
      phases: Array<{ name: string; durationMs: number; reused?: boolean }>;
      checks: DrillCheck[];
    }>;
  };
  const restore = result.restores[0];
  const restores = result.restores.map((r) => ({ target: r.target, phases: r.phases, checks: r.checks }));
  return {
    backupMs: result.backup?.durationMs ?? NaN,
    phases: restore?.phases ?? [],
    checks: restore?.checks ?? [],
    restores,
    verdict: result.verdict,
  };
}
