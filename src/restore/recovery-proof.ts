// What the server log proves about a recovery: how it started, where it stopped, or why it failed.
import type { RecoveryTarget } from './recovery-config.ts';
import { lsnToBigInt } from '../repository/wal-names.ts';

export interface RecoveryEvidence {
  /** "starting backup recovery with redo LSN ..." (backup_label was used). */
  backupRecovery: string | null;
  /** "redo starts at <LSN>": where replay began (with backup_label, the label's START WAL LOCATION). */
  redoStarts: string | null;
  /** "starting point-in-time recovery to ..." or "starting archive recovery". */
  started: string | null;
  /** "recovery stopping ..." */
  stopping: string | null;
  /** "consistent recovery state reached at ..." */
  consistent: string | null;
  /** "redo done at ..." / "archive recovery complete" / "last completed transaction was at log time ..." */
  completed: string[];
  /** FATAL/PANIC lines: the server's own words when recovery failed. */
  fatal: string[];
}

const find = (lines: string[], re: RegExp): string | null =>
  lines.find((l) => re.test(l))?.replace(/^.*?(LOG|FATAL|PANIC):\s+/, '') ?? null;

/** Pick the recovery lines out of a server log. */
export function readRecoveryLog(log: string): RecoveryEvidence {
  const lines = log.split('\n');
  return {
    backupRecovery: find(lines, /starting backup recovery with redo LSN/),
    redoStarts: find(lines, /redo starts at [0-9A-F]+\/[0-9A-F]+/),
    started: find(lines, /starting (point-in-time|archive) recovery/),
    stopping: find(lines, /recovery stopping (before|after|at)/),
    consistent: find(lines, /consistent recovery state reached at/),
    completed: lines
      .filter((l) => /redo done at|archive recovery complete|last completed transaction was at log time/.test(l))
      .map((l) => l.replace(/^.*?LOG:\s+/, '')),
    fatal: lines
      .filter(
        (l) =>
          /\b(FATAL|PANIC):/.test(l) && !/the database system is (starting up|shutting down|not yet accepting)/.test(l),
      )
      .map((l) => l.replace(/^.*?(FATAL|PANIC):\s+/, '$1: ')),
  };
}

/** Whether the log's stopping line is the one the target asks for; returns a problem in words, or null. */
export function stopMatchesTarget(target: RecoveryTarget, evidence: RecoveryEvidence): string | null {
  const stop = evidence.stopping;
  switch (target.kind) {
    case 'latest':
      return stop
        ? `recovery stopped early ("${stop}") although no target was set`
        : evidence.completed.length
          ? null
          : 'the log does not say that recovery completed';
    case 'immediate':
      return stop && /after reaching consistency/.test(stop)
        ? null
        : `expected "recovery stopping after reaching consistency", the log says ${stop ? `"${stop}"` : 'nothing about stopping'}`;
    case 'name':
      return stop && stop.includes(`at restore point "${target.name}"`)
        ? null
        : `expected a stop at restore point "${target.name}", the log says ${stop ? `"${stop}"` : 'nothing about stopping'}`;
    case 'xid': {
      // A transaction that rolled back ends in an abort record: the server stops there as it does at a commit.
      const side = target.inclusive ? 'after' : 'before';
      return stop &&
        (stop.includes(`${side} commit of transaction ${target.xid},`) ||
          stop.includes(`${side} abort of transaction ${target.xid},`))
        ? null
        : `expected "recovery stopping ${side} commit (or abort) of transaction ${target.xid}, ...", the log says ${stop ? `"${stop}"` : 'nothing about stopping'}`;
    }
    case 'lsn': {
      // The server stops at the first record at or past the target: after it when inclusive, before it when not.
      const want = target.inclusive ? 'after' : 'before';
      const at = stop
        ? /recovery stopping (before|after) WAL location \(LSN\) "([0-9A-F]+\/[0-9A-F]+)"/i.exec(stop)
        : null;
      if (at && at[1] === want && lsnToBigInt(at[2]!) >= lsnToBigInt(target.lsn)) return null;
      return `expected "recovery stopping ${want} WAL location (LSN)" at or past ${target.lsn}, the log says ${stop ? `"${stop}"` : 'nothing about stopping'}`;
    }
    case 'time':
      return stop && /recovery stopping (before|after) (commit|abort) of transaction/.test(stop)
        ? null
        : `expected a stop at a commit near ${target.time}, the log says ${stop ? `"${stop}"` : 'nothing about stopping'}`;
  }
}

/** The server's words when the target was never reached (PostgreSQL >= 13 fails instead of promoting). */
export function targetNotReached(evidence: RecoveryEvidence): string | null {
  return evidence.fatal.find((l) => /recovery ended before configured recovery target was reached/.test(l)) ?? null;
}

/**
 * Before PostgreSQL 15 a server logs nothing when it uses backup_label; it does rename it to backup_label.old and start
 * redo at the label's START WAL LOCATION. Both together prove it; returns the proof in words, or null.
 */
export function labelUsedBefore15(
  evidence: RecoveryEvidence,
  labelRedo: string | null,
  labelRenamed: boolean,
): string | null {
  if (!labelRedo || !labelRenamed || !evidence.redoStarts) return null;
  return evidence.redoStarts === `redo starts at ${labelRedo}`
    ? `the server renamed backup_label to backup_label.old and "${evidence.redoStarts}", the label's START WAL LOCATION`
    : null;
}
