// The one place an error category becomes a process exit code (design.md's table).
import type { ErrorCategory } from '../core/error-codes.ts';
import type { RunResult } from '../run/result.ts';

/** Exit codes of the command line (design.md). */
export const ExitCode = {
  passed: 0,
  failed: 1,
  usage: 2,
  environment: 3,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const byCategory: Record<ErrorCategory, ExitCodeValue> = {
  usage: ExitCode.usage,
  environment: ExitCode.environment,
  'backup-unusable': ExitCode.failed,
  failed: ExitCode.failed,
  interrupted: ExitCode.interrupted,
  // An error Recoverable did not foresee fails the command, as a failed check does.
  internal: ExitCode.failed,
};

/** The exit code of a run that ended with an error of this category. */
export function exitCodeOf(category: ErrorCategory): ExitCodeValue {
  return byCategory[category];
}

/** The exit code of a drill's verdict: 0 passed, 3 when the machine or a grant stopped the drill, otherwise 1. */
export function verdictExitCode(verdict: {
  result: Pick<RunResult, 'verdict'>;
  stoppedByEnvironment: boolean;
}): ExitCodeValue {
  if (verdict.result.verdict === 'passed') return ExitCode.passed;
  return verdict.stoppedByEnvironment ? ExitCode.environment : ExitCode.failed;
}
