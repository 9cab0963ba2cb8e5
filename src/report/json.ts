// result.json: the run result with a stable key order, so reports diff cleanly between runs.

import type {
  BackupSummary,
  CheckResult,
  ObjectiveResult,
  Phase,
  ReachedTarget,
  RestoreResult,
  RunResult,
} from '../run/result.ts';

type ErrorInfo = NonNullable<RunResult['error']>;

const RUN_KEYS = [
  'schemaVersion',
  'runId',
  'tool',
  'scenario',
  'startedAt',
  'finishedAt',
  'verdict',
  'summary',
  'backup',
  'restores',
  'objectives',
  'checks',
  'error',
  'provenance',
] as const satisfies readonly (keyof RunResult)[];
const TOOL_KEYS = ['name', 'version'] as const satisfies readonly (keyof RunResult['tool'])[];
const SCENARIO_KEYS = ['name', 'path', 'sha256'] as const satisfies readonly (keyof RunResult['scenario'])[];
const BACKUP_KEYS = [
  'id',
  'method',
  'startLsn',
  'stopLsn',
  'sizeBytes',
  'durationMs',
  'taken',
  'takenAt',
  'sourceVersion',
  'sourceServerVersion',
  'chain',
  'manifestSha256',
  'signature',
] as const satisfies readonly (keyof BackupSummary)[];
const RESTORE_KEYS = [
  'target',
  'environment',
  'reached',
  'phases',
  'checks',
  'warnings',
  'error',
] as const satisfies readonly (keyof RestoreResult)[];
const ENVIRONMENT_KEYS = [
  'kind',
  'version',
  'image',
  'imageDigest',
] as const satisfies readonly (keyof RestoreResult['environment'])[];
const REACHED_KEYS = ['kind', 'lsn', 'xid', 'time', 'proof'] as const satisfies readonly (keyof ReachedTarget)[];
const PHASE_KEYS = ['name', 'durationMs'] as const satisfies readonly (keyof Phase)[];
const CHECK_KEYS = [
  'id',
  'kind',
  'status',
  'exactness',
  'expected',
  'actual',
  'message',
  'durationMs',
] as const satisfies readonly (keyof CheckResult)[];
const OBJECTIVE_KEYS = [
  'name',
  'objectiveMs',
  'measuredMs',
  'status',
  'basis',
] as const satisfies readonly (keyof ObjectiveResult)[];
const ERROR_KEYS = ['code', 'message', 'hint'] as const satisfies readonly (keyof ErrorInfo)[];

/** Render the run result as result.json: keys in the order of the type, 2-space indent, trailing newline. */
export function renderJson(result: RunResult): string {
  return `${JSON.stringify(orderRun(result), jsonSafe, 2)}\n`;
}

function orderRun(result: RunResult): RunResult {
  return {
    ...ordered(result, RUN_KEYS),
    tool: ordered(result.tool, TOOL_KEYS),
    scenario: ordered(result.scenario, SCENARIO_KEYS),
    backup: result.backup === null ? null : ordered(result.backup, BACKUP_KEYS),
    restores: result.restores.map(orderRestore),
    objectives: result.objectives.map((o) => ordered(o, OBJECTIVE_KEYS)),
    checks: result.checks.map((c) => ordered(c, CHECK_KEYS)),
    ...(result.error ? { error: ordered(result.error, ERROR_KEYS) } : {}),
  };
}

function orderRestore(restore: RestoreResult): RestoreResult {
  return {
    ...ordered(restore, RESTORE_KEYS),
    environment: ordered(restore.environment, ENVIRONMENT_KEYS),
    reached: ordered(restore.reached, REACHED_KEYS),
    phases: restore.phases.map((p) => ordered(p, PHASE_KEYS)),
    checks: restore.checks.map((c) => ordered(c, CHECK_KEYS)),
    ...(restore.error ? { error: ordered(restore.error, ERROR_KEYS) } : {}),
  };
}

// Known keys first in the declared order, then any added fields in their own order (kept, not dropped).
// Spreading over this object later replaces values but keeps each key's first position.
function ordered<T extends object>(value: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const key of keys) {
    if (Object.hasOwn(value, key) && value[key] !== undefined) out[key] = value[key];
  }
  return Object.assign(out, value);
}

// BigInt (e.g. a row count read as int8) has no JSON form; write it as a decimal string.
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
