// The verdict of a run and the one line that says why: decided here, rendered by report/.
import type { CheckResult, RestoreResult, RunResult, Verdict } from './result.ts';
import { describeObjective } from '../report/format.ts';

/** All checks of a run, run-level first, then per restore. */
export function allChecks(result: RunResult): CheckResult[] {
  return [...result.checks, ...result.restores.flatMap((r) => r.checks)];
}

/** A run passes only if every check and every objective passes; anything errored makes it errored. */
export function decideVerdict(result: Pick<RunResult, 'checks' | 'restores' | 'objectives' | 'error'>): Verdict {
  const checks = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
  const statuses = [...checks.map((c) => c.status), ...result.objectives.map((o) => o.status)];
  if (statuses.some((s) => s === 'failed')) return 'failed';
  if (result.error || statuses.some((s) => s === 'errored')) return 'errored';
  if (checks.length === 0) return 'errored';
  return 'passed';
}

/** The comparisons a drill can make, in the order reports list them, with the words they are reported in. */
export const COMPARISONS: ReadonlyArray<{ kind: string; noun: string }> = [
  { kind: 'manifest', noun: 'backup files against their manifest' },
  { kind: 'rowcounts', noun: 'row counts' },
  { kind: 'fingerprints', noun: 'row content (fingerprints)' },
  { kind: 'schema', noun: 'schema' },
  { kind: 'sequences', noun: 'sequences' },
  { kind: 'large-objects', noun: 'large objects' },
  { kind: 'roles', noun: 'roles' },
  { kind: 'amcheck', noun: 'amcheck' },
  { kind: 'sql', noun: 'SQL assertions' },
];

// Checks a drill always makes when they apply (not chosen in the scenario): listed only when they ran.
const PROOF_NOUNS: Readonly<Record<string, string>> = {
  restore: 'restore steps (globals, pg_restore)',
  recovery: 'recovery proof (backup_label used, target reached)',
  wal: 'WAL continuity',
  markers: 'PITR markers',
  checksums: 'page checksums',
  verifybackup: 'pg_verifybackup',
  backup: 'backup contents',
  snapshot: 'snapshot volumes, label and map',
  signature: 'backup signature',
  decrypt: 'encrypted files authenticated (AES-256-GCM)',
  external: "the external tool's restore (exit status, cluster identity, backup start)",
  files: 'relation files on disk',
};

/**
 * What one kind of comparison amounted to over the whole run: how many checks of it ran (passed or failed), how many
 * were skipped or errored and why, or that the scenario did not ask for it.
 */
export interface Coverage {
  kind: string;
  noun: string;
  requested: boolean;
  ran: number;
  passed: number;
  skipped: number;
  errored: number;
  /** Why checks of this kind did not run (distinct messages of skipped checks), or "not requested by the scenario". */
  reasons: string[];
}

/** Coverage of every comparison kind, from the run's checks and the kinds the scenario requested. */
/** A restore's own verdict, decided by the run's rule as if it were the only restore (no checks: errored). */
export function restoreVerdict(restore: RestoreResult): Verdict {
  return decideVerdict({
    checks: [],
    restores: [restore],
    objectives: [],
    ...(restore.error ? { error: restore.error } : {}),
  });
}

export function coverageOf(result: Pick<RunResult, 'checks' | 'restores'>, requested: ReadonlySet<string>): Coverage[] {
  const checks = allChecks(result as RunResult);
  const extra = [...new Set(checks.map((c) => c.kind))]
    .filter((k) => !COMPARISONS.some((c) => c.kind === k))
    .map((kind) => ({ kind, noun: PROOF_NOUNS[kind] ?? kind }));
  return [...COMPARISONS, ...extra]
    .map(({ kind, noun }) => {
      const own = checks.filter((c) => c.kind === kind);
      const count = (status: string): number => own.filter((c) => c.status === status).length;
      const skipped = own.filter((c) => c.status === 'skipped');
      const wanted = requested.has(kind) || kind === 'manifest' || own.length > 0;
      return {
        kind,
        noun,
        requested: wanted,
        ran: count('passed') + count('failed'),
        passed: count('passed'),
        skipped: skipped.length,
        errored: count('errored'),
        reasons: wanted ? [...new Set(skipped.map((c) => c.message))].slice(0, 5) : ['not requested by the scenario'],
      };
    })
    .filter((c) => c.requested || COMPARISONS.some((k) => k.kind === c.kind))
    .concat(UNCOMPARED);
}

// What no check compares, said in every run so a pass is never read as covering it.
const UNCOMPARED: readonly Coverage[] = [
  {
    kind: 'server-settings',
    noun: 'server settings (postgresql.conf, ALTER SYSTEM)',
    requested: true,
    ran: 0,
    passed: 0,
    skipped: 0,
    errored: 0,
    reasons: [
      "no check compares them: a dump does not carry them, and a physical copy carries its files under the repository's manifest but nothing reads the settings back",
    ],
  },
];

// One line that says why the verdict is what it is, naming exactly what was compared and what was not.
export function summarize(result: RunResult, coverage: readonly Coverage[] = result.coverage ?? []): string {
  const checks: CheckResult[] = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
  const count = (s: string): number =>
    checks.filter((c) => c.status === s).length + result.objectives.filter((o) => o.status === s).length;
  const head = `${count('passed')} passed, ${count('failed')} failed, ${count('errored')} errored, ${count('skipped')} skipped`;
  const firstBad =
    checks.find((c) => c.status === 'failed' || c.status === 'errored') ??
    result.objectives.find((o) => o.status !== 'passed');
  if (firstBad)
    return `${head}; first: ${'id' in firstBad ? `${firstBad.id}: ${firstBad.message}` : describeObjective(firstBad)}`;
  const compared = coverage.filter((c) => c.ran > 0 && c.kind !== 'manifest').map((c) => c.noun);
  const partly = coverage.filter((c) => c.ran > 0 && c.skipped > 0).map((c) => `${c.noun} at ${c.skipped} place(s)`);
  const notRun = coverage
    .filter((c) => c.ran === 0)
    .map((c) => `${c.noun} (${c.requested ? (c.reasons[0] ?? 'no check ran') : 'not requested'})`);
  const claim = compared.length
    ? `the backup restores; compared and matching: ${compared.join(', ')}`
    : 'the backup restores, but nothing in it was compared';
  const missing = [...partly, ...notRun];
  return `${head}: ${claim}${missing.length ? `; not compared: ${missing.join('; ')}` : ''}`;
}
