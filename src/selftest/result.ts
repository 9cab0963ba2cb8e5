// The self-test's result: a clean drill and one drill per fault, per backup method (selftest.json's schema).
import type { Verdict } from '../run/result.ts';
import type { BackupMethod, EnvironmentKind, Stage } from './fault.ts';

/** Version of selftest.json's shape. */
export const SELFTEST_SCHEMA_VERSION = 1;

/**
 * How a fault's drill ended: `caught` by the check meant for it, saying why; `wrong-reason` when that check failed for
 * something else (a finding: the fault itself went unseen); `caught-elsewhere` only by other checks (a finding:
 * the intended check missed it); `missed` when nothing failed (it slipped through); `errored` when the drill could not
 * judge; `not-run` when there was no clean backup to inject into.
 */
export type FaultOutcomeKind = 'caught' | 'wrong-reason' | 'caught-elsewhere' | 'missed' | 'errored' | 'not-run';

/** One check as the matrix shows it. */
export interface CheckSighting {
  id: string;
  status: string;
  message: string;
}

/** One fault's drill, judged. */
export interface FaultOutcome {
  id: string;
  family: string;
  method: BackupMethod;
  stage: Stage;
  /** What the fault injects, in words. */
  injects: string;
  /** Exactly what was changed in this run (file, segment, block), when the injection got that far. */
  injected?: string;
  /** The check (id or prefix) meant to catch it, and what its message must say. */
  expectedCheck: string;
  expectedReason: string;
  outcome: FaultOutcomeKind;
  /** The intended check as it ran (absent when it did not run). */
  intended?: CheckSighting;
  /** Every check that failed, the intended one first. */
  failedChecks: CheckSighting[];
  /** One line: why the outcome is what it is. */
  message: string;
  drillVerdict?: Verdict;
  durationMs: number;
}

/** The clean drill of a method: it must pass, or no fault result means anything. */
export interface CleanRun {
  verdict: Verdict;
  summary: string;
  backupId?: string;
  targets: string[];
  durationMs: number;
}

/** One backup method: its clean drill and its faults. */
export interface MethodRun {
  method: BackupMethod;
  clean: CleanRun;
  faults: FaultOutcome[];
}

/** What selftest.json holds: the source of truth every self-test report renders. */
export interface SelftestResult {
  schemaVersion: typeof SELFTEST_SCHEMA_VERSION;
  kind: 'selftest';
  runId: string;
  tool: { name: 'recoverable'; version: string };
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  summary: string;
  environment: { kind: EnvironmentKind; version: number };
  /** Check kinds left out of every drill on purpose (a test seam); empty in a real self-test. */
  weakened: string[];
  methods: MethodRun[];
}
