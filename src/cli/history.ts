// `recoverable history [scenario]`: the last runs, RTO and RPO trends, and the current streak, from the run ledger.
import { UsageError } from '../core/errors.ts';
import { join } from 'node:path';
import { LEDGER_FILE, RunLedger } from '../ledger/run-ledger.ts';
import { trendOf, type Streak, type Trend } from '../ledger/trends.ts';
import type { LedgerRun } from '../ledger/ledger-run.ts';
import type { CommandContext } from './context.ts';
import { ledgerScope } from './ledger-scope.ts';
import { renderHistory } from './history-render.ts';

/** One scenario's history as `history --json` prints it. */
export interface ScenarioHistory {
  scenario: string;
  runs: LedgerRun[];
  streak: Streak | null;
  trends: Trend[];
}

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const limit = positive(args.limit, '--limit');
  const window = positive(args.window, '--window');
  const scope = await ledgerScope(args, ctx.cwd);
  const histories = RunLedger.with(scope.repository, { create: false }, (ledger) => {
    const names = scope.scenario !== null ? [scope.scenario] : (ledger?.scenarios() ?? []);
    return names.map((scenario): ScenarioHistory => {
      // Trends need two windows even when fewer runs are shown.
      const runs = ledger?.recent(scenario, Math.max(limit, window * 2)) ?? [];
      return {
        scenario,
        runs: runs.slice(0, limit),
        streak: ledger?.streak(scenario) ?? null,
        trends: [trendOf(runs, 'rto', window), trendOf(runs, 'rpo', window)],
      };
    });
  });
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ repository: scope.repository, ledger: join(scope.repository, LEDGER_FILE), scenarios: histories }, null, 2)}\n`,
    );
    return 0;
  }
  if (histories.length === 0) process.stdout.write(`no drill recorded in ${scope.repository}\n`);
  for (const line of histories.flatMap((h) => renderHistory(h))) process.stdout.write(`${line}\n`);
  return 0;
}

function positive(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a whole number of at least 1, not "${String(value)}"`);
  return n;
}
