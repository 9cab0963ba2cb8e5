// `recoverable selftest`: inject every registered fault into drills of a managed source and prove each is caught.
import { ensureWorkRoot } from '../env/work-root.ts';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import { formatDuration } from '../report/format.ts';
import { discoverBinaries } from '../env/binaries.ts';
import { BACKUP_METHODS, type BackupMethod, type EnvironmentKind } from '../selftest/fault.ts';
import { checkFaultNames } from '../selftest/registry.ts';
import { runSelftest, type SelftestProgress } from '../selftest/runner.ts';
import { matrixRows, outcomeText } from '../selftest/report/matrix.ts';
import { writeSelftestReports } from '../selftest/report/write.ts';
import type { CommandContext } from './context.ts';
import { verdictExitCode } from './exit-code.ts';

/** Run the self-test, print the matrix, write the reports; 0 only if every fault was caught by the check meant for it. */
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  // --method may be given more than once (--method basebackup --method snapshot); `all` wins.
  const asked = [args.method].flat() as string[];
  const methods: readonly BackupMethod[] = asked.includes('all')
    ? BACKUP_METHODS
    : BACKUP_METHODS.filter((m) => asked.includes(m));
  const environment = args.environment as EnvironmentKind;
  const version = args.version === undefined ? defaultVersion() : Number(args.version);
  if (!Number.isInteger(version) || version < 13 || version > 18)
    throw new UsageError(`--version ${String(args.version)} is not a PostgreSQL major Recoverable supports`, {
      hint: 'give a major from 13 to 18, e.g. --version 17',
    });
  const only = onlyList(args.only);
  if (only) checkFaultNames(only, methods, environment);
  const run = await runSelftest(
    { methods, environment, version, ...(only ? { only } : {}), workRoot: await ensureWorkRoot() },
    { log: ctx.log, clock: systemClock, onProgress: progressPrinter(ctx) },
  );
  const dir = join(resolve(ctx.cwd, String(args['report-dir'])), run.result.runId);
  await writeSelftestReports(run, dir);
  const rows = matrixRows(run.result);
  const width = Math.max(...rows.map((r) => r.fault.length));
  for (const row of rows) {
    const by =
      row.outcome === 'caught' ? ` by ${row.expected}` : row.fault === 'clean' ? '' : ` (meant for ${row.expected})`;
    process.stdout.write(
      `${row.method.padEnd(10)} ${row.fault.padEnd(width)}  ${outcomeText(row.outcome)}${by}${row.ok ? '' : `: ${row.message}`}\n`,
    );
  }
  process.stdout.write(`${run.result.verdict.toUpperCase()} selftest: ${run.result.summary}\nreport: ${dir}\n`);
  return verdictExitCode(run);
}

// The newest PostgreSQL installed here, else the scenario default.
function defaultVersion(): number {
  return discoverBinaries()[0]?.major ?? 15;
}

// `--only a,b --only c` → [a, b, c]; absent → undefined.
function onlyList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const names = [value]
    .flat()
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length)
    throw new UsageError('--only names no fault', { hint: 'e.g. --only dump-truncated,heap-page-corrupt' });
  return names;
}

// Progress lines on a terminal (step n of N, elapsed); log records otherwise.
function progressPrinter(ctx: CommandContext): (p: SelftestProgress) => void {
  const terminal = Boolean(process.stderr.isTTY);
  return (p) => {
    const head = `[${String(p.step).padStart(String(p.total).length)}/${p.total} ${formatDuration(p.elapsedMs)}] ${p.method} ${p.name}`;
    const line = p.outcome
      ? `${head}: ${outcomeText(p.outcome as Parameters<typeof outcomeText>[0])}${p.outcome === 'caught' || p.outcome === 'passed' ? '' : ` (${p.message ?? ''})`}`
      : `${head} ...`;
    if (terminal) process.stderr.write(`${line}\n`);
    else
      ctx.log.info(
        { step: p.step, total: p.total, method: p.method, fault: p.name, ...(p.outcome ? { outcome: p.outcome } : {}) },
        line,
      );
  };
}
