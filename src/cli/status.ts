// `recoverable status [scenario] --max-age 26h`: exit 1 unless the last passing drill is recent enough (for monitors).
import { UsageError } from '../core/errors.ts';
import { ExitCode } from './exit-code.ts';
import { redactSecrets } from '../core/redact.ts';
import { judgeFreshness, type Freshness } from '../ledger/freshness.ts';
import { RunLedger } from '../ledger/run-ledger.ts';
import { parseDuration } from '../scenario/duration.ts';
import type { CommandContext } from './context.ts';
import { ledgerScope } from './ledger-scope.ts';
import { exportMetrics, metricsTargets, scenarioRuns, withNewestBackups } from './metrics-output.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  // 1. Read the flags and the scope before opening anything.
  const maxAgeMs = maxAge(args['max-age']);
  const targets = await metricsTargets(args);
  const scope = await ledgerScope(args, ctx.cwd);
  const now = new Date();
  // 2. Judge each scenario from the ledger (no ledger is no proof); read what the metrics need while it is open.
  const wantMetrics = targets.file !== null || targets.pushgateway !== null;
  const { judged, runs } = RunLedger.with(scope.repository, { create: false }, (ledger) => {
    const names = scope.scenario !== null ? [scope.scenario] : (ledger?.scenarios() ?? []);
    return {
      judged: names.map((name): Freshness =>
        judgeFreshness(name, ledger?.recent(name, 1)[0] ?? null, ledger?.lastPassed(name) ?? null, maxAgeMs, now),
      ),
      runs: ledger && wantMetrics ? scenarioRuns(ledger, names) : null,
    };
  });
  const allFresh = judged.length > 0 && judged.every((f) => f.fresh);
  // 3. Print.
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ repository: scope.repository, maxAgeMs, checkedAt: now.toISOString(), fresh: allFresh, scenarios: judged }, null, 2)}\n`,
    );
  } else {
    if (judged.length === 0) process.stdout.write(`STALE: no drill recorded in ${scope.repository}\n`);
    for (const f of judged) process.stdout.write(`${f.fresh ? 'FRESH' : 'STALE'} ${f.message}\n`);
  }
  const verdict = allFresh ? ExitCode.passed : ExitCode.failed;
  // 4. Backup age grows between drills: a status run can rewrite the metrics so it stays current.
  if (runs === null) return verdict;
  const failures = await exportMetrics(await withNewestBackups(runs, scope.repository), targets, now);
  for (const failure of failures) process.stderr.write(`recoverable: ${redactSecrets(failure.message)}\n`);
  // Staleness is the answer a monitor asked for; a metrics failure alone is the machine's fault (exit 3).
  return verdict === ExitCode.passed && failures.length > 0 ? ExitCode.environment : verdict;
}

function maxAge(value: unknown): number {
  const age = parseDuration(value === undefined ? undefined : String(value));
  if (!age.ok)
    throw new UsageError(`--max-age: ${age.problem}`, { hint: 'write a number with a unit, e.g. 26h, 7d or 90m' });
  return age.ms;
}
