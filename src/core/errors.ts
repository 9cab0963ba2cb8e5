// One error base with a stable code from the registry, an optional hint and the cause; exit codes are the CLI's.
import { errorCodes, type ErrorCategory, type ErrorCode, type ErrorCodeOf } from './error-codes.ts';

export { errorCodes, type ErrorCategory, type ErrorCode, type ErrorCodeOf } from './error-codes.ts';
export { ExitCode, type ExitCodeValue } from '../cli/exit-code.ts';

export interface RecoverableErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** Base of every error Recoverable raises on purpose; `code` is registered, `message` lowercase. */
export class RecoverableError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: RecoverableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  /** What kind of trouble this is, from the registry. */
  get category(): ErrorCategory {
    return errorCodes[this.code].category;
  }
}

/** Whether `error` is a Recoverable error with this code; the code is checked at compile time. */
export function hasErrorCode(error: unknown, code: ErrorCode): error is RecoverableError {
  return error instanceof RecoverableError && error.code === code;
}

/** The category of any thrown value: an error Recoverable did not raise on purpose is internal. */
export function categoryOf(error: unknown): ErrorCategory {
  return error instanceof RecoverableError ? error.category : 'internal';
}

/** The hint to show for an error: its own, else its code's default from the registry. */
export function hintOf(error: RecoverableError): string {
  return error.hint ?? errorCodes[error.code].hint;
}

/** The scenario file or the command line is wrong (category usage). */
export class ScenarioError extends RecoverableError {
  readonly issues: readonly ScenarioIssue[];
  constructor(message: string, issues: readonly ScenarioIssue[] = [], options: RecoverableErrorOptions = {}) {
    super('scenario-invalid', message, options);
    this.issues = issues;
  }
}

/** One problem found in a scenario, located by its YAML path (e.g. `backup.jobs`). */
export interface ScenarioIssue {
  path: string;
  problem: string;
  fix: string;
}

/** Bad command-line usage (category usage). */
export class UsageError extends RecoverableError {
  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super('usage', message, options);
  }
}

/** The machine cannot run the drill (missing binaries, no Docker, no disk): category environment, its codes only. */
export class EnvironmentError extends RecoverableError {
  constructor(code: ErrorCodeOf<'environment'>, message: string, options: RecoverableErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The backup role lacks a privilege the backup needs: the backup is refused (category environment), the grants to add named. */
export class MissingGrantError extends EnvironmentError {
  /** The statements (or configuration) that would give the role what it lacks, e.g. `GRANT pg_read_all_data TO backup`. */
  readonly grants: string[];

  constructor(message: string, grants: string[], options: RecoverableErrorOptions = {}) {
    super('missing-grant', `${message}: ${grants.join('; ')}`, options);
    this.grants = grants;
  }
}

/** The run was interrupted by SIGINT or SIGTERM (category interrupted). */
export class InterruptedError extends RecoverableError {
  constructor(signal: string) {
    super('interrupted', `interrupted by ${signal}`);
  }
}

/** A PostgreSQL tool or other command exited badly; carries the whole result. */
export class ToolError extends RecoverableError {
  readonly command: string;
  readonly toolExitCode: number | undefined;
  readonly stderrTail: string;
  /** The whole stderr, for callers that parse every error line (pg_restore). */
  readonly stderr: string;
  readonly stdout: string;
  readonly durationMs: number;

  constructor(
    details: {
      command: string;
      exitCode: number | undefined;
      stderrTail: string;
      durationMs: number;
      signal?: string | undefined;
      stderr?: string;
      stdout?: string;
    },
    options: RecoverableErrorOptions = {},
  ) {
    const how = details.signal ? `was killed by ${details.signal}` : `exited with code ${details.exitCode}`;
    const tail = details.stderrTail.trim();
    super('tool-failed', `${details.command} ${how}${tail ? `: ${tail}` : ''}`, options);
    this.command = details.command;
    this.toolExitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.stderr = details.stderr ?? details.stderrTail;
    this.stdout = details.stdout ?? '';
    this.durationMs = details.durationMs;
  }
}

/** A run found a problem in the backup itself (not a check): category backup-unusable, the drill fails. */
export class BackupUnusableError extends RecoverableError {
  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super('backup-unusable', message, options);
  }
}

/** Keep the last `lines` lines of a tool's stderr, for messages. */
export function tailLines(text: string, lines = 8): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
