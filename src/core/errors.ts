// One error base with a stable code, an exit code, an optional hint and the cause.

/** Exit codes of the command line (design.md). */
export const ExitCode = {
  passed: 0,
  failed: 1,
  usage: 2,
  environment: 3,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface RecoverableErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** Base of every error Recoverable raises on purpose; `code` is stable, `message` lowercase. */
export class RecoverableError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: RecoverableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** The scenario file or the command line is wrong: exit 2. */
export class ScenarioError extends RecoverableError {
  readonly issues: readonly ScenarioIssue[];
  constructor(message: string, issues: readonly ScenarioIssue[] = [], options: RecoverableErrorOptions = {}) {
    super('scenario-invalid', ExitCode.usage, message, options);
    this.issues = issues;
  }
}

/** One problem found in a scenario, located by its YAML path (e.g. `backup.jobs`). */
export interface ScenarioIssue {
  path: string;
  problem: string;
  fix: string;
}

/** Bad command-line usage: exit 2. */
export class UsageError extends RecoverableError {
  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super('usage', ExitCode.usage, message, options);
  }
}

/** The machine cannot run the drill (missing binaries, no Docker, no disk): exit 3. */
export class EnvironmentError extends RecoverableError {
  constructor(code: string, message: string, options: RecoverableErrorOptions = {}) {
    super(code, ExitCode.environment, message, options);
  }
}

/** The backup role lacks a privilege the backup needs: the backup is refused (exit 3), the grants to add named. */
export class MissingGrantError extends EnvironmentError {
  /** The statements (or configuration) that would give the role what it lacks, e.g. `GRANT pg_read_all_data TO backup`. */
  readonly grants: string[];

  constructor(message: string, grants: string[], options: RecoverableErrorOptions = {}) {
    super('missing-grant', `${message}: ${grants.join('; ')}`, options);
    this.grants = grants;
  }
}

/** The run was interrupted by SIGINT or SIGTERM: exit 130. */
export class InterruptedError extends RecoverableError {
  constructor(signal: string) {
    super('interrupted', ExitCode.interrupted, `interrupted by ${signal}`);
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
    details: { command: string; exitCode: number | undefined; stderrTail: string; durationMs: number; signal?: string | undefined; stderr?: string; stdout?: string },
    options: RecoverableErrorOptions = {},
  ) {
    const how = details.signal ? `was killed by ${details.signal}` : `exited with code ${details.exitCode}`;
    const tail = details.stderrTail.trim();
    super('tool-failed', ExitCode.failed, `${details.command} ${how}${tail ? `: ${tail}` : ''}`, options);
    this.command = details.command;
    this.toolExitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.stderr = details.stderr ?? details.stderrTail;
    this.stdout = details.stdout ?? '';
    this.durationMs = details.durationMs;
  }
}

/** A run found a problem in the backup itself (not a check): the drill fails with exit 1. */
export class BackupUnusableError extends RecoverableError {
  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super('backup-unusable', ExitCode.failed, message, options);
  }
}

/** Keep the last `lines` lines of a tool's stderr, for messages. */
export function tailLines(text: string, lines = 8): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
