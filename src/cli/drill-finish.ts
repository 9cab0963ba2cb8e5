// After a drill's verdict: record it in the run ledger, write its reports and evidence, tell GitHub, print the end line.
// cli/drill.ts imports this while the drill runs, so loading the reporters and the ledger never delays a drill's start.
import { join } from 'node:path';
import { appendFile } from 'node:fs/promises';
import { writeReports } from '../report/write.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { endLine } from '../report/end-line.ts';
import { errorAnnotations, stepSummaryFile } from '../report/github.ts';
import { redactDeep } from '../core/redact.ts';
import { writeEvidence } from '../evidence/bundle.ts';
import type { SigningKey } from '../evidence/keys.ts';
import type { Logger } from '../core/log.ts';
import type { Scenario } from '../scenario/types.ts';
import type { ScenarioRuns } from '../metrics/drill-metrics.ts';
import type { RunResult } from '../run/result.ts';
import { recordRun } from './drill-record.ts';

/** What finishing a run gave: the scenario's runs for the metrics (null when the ledger failed), and every problem met. */
export interface FinishedDrill {
  metrics: ScenarioRuns | null;
  problems: Error[];
}

/** The verdict is final: record it, then render the reports with the scenario's history from the ledger, then the evidence. */
export async function finishDrill(
  scenario: Scenario,
  result: RunResult,
  exitCode: number,
  signer: SigningKey | null,
  log: Logger,
  summaryWanted: boolean,
): Promise<FinishedDrill> {
  const recorded = recordRun(scenario.repository, result, exitCode, log);
  if (recorded.history) result.history = recorded.history;
  const dir = join(scenario.report.dir, result.runId);
  await writeReports(result, dir, scenario.report.formats);
  // Last: the evidence bundle lists (and signs) every report file just written.
  await writeEvidence(dir, result.runId, signer);
  await publishToGitHub(result, summaryWanted);
  process.stdout.write(`${endLine(result)}\nreport: ${dir}\n`);
  return { metrics: recorded.metrics, problems: [...recorded.problems] };
}

// Inside GitHub Actions: the summary on the job page, and an annotation per failure on the run.
async function publishToGitHub(unredacted: RunResult, summaryWanted: boolean): Promise<void> {
  if (process.env.GITHUB_ACTIONS !== 'true') return;
  // As every report: tool output quoted in a message may hold a connection string.
  const result = redactDeep(unredacted);
  const file = stepSummaryFile(process.env, summaryWanted);
  if (file) await appendFile(file, `${renderMarkdown(result)}\n`);
  for (const line of errorAnnotations(result)) process.stdout.write(`${line}\n`);
}
