// The recovery's own evidence: was backup_label used, was the target reached where asked, do the pages verify.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { RecoveryTarget } from '../restore/recovery-config.ts';
import {
  labelUsedBefore15,
  stopMatchesTarget,
  targetNotReached,
  type RecoveryEvidence,
} from '../restore/recovery-proof.ts';

/** What a physical restore observed: the server log's recovery lines and what was found in the data directory. */
export interface RecoveryFacts {
  evidence: RecoveryEvidence;
  /** What was neutralised in the backup before starting it (standby.signal, ...). */
  neutralised: readonly string[];
  backupLabelPresent: boolean;
  /** The backup_label's START WAL LOCATION, when it had one. */
  labelRedo: string | null;
  /** backup_label gone and backup_label.old there after replay. */
  labelRenamed: boolean;
  /** pg_checksums on the cleanly stopped cluster, when it ran. */
  checksums: { ok: boolean; output: string } | null;
  /** The server's own words when recovery failed. */
  failure: string | null;
}

/** How the checksum step could run in this restore. */
export interface ChecksumSetting {
  /** The cluster has data checksums on. */
  dataChecksums: boolean;
  /** pg_checksums is installed for this major. */
  checksumsRan: boolean;
}

/** The standby signal, backup-label, target and checksum checks of one recovery to `target`. */
export function recoveryChecks(
  facts: RecoveryFacts,
  target: RecoveryTarget,
  checksums: ChecksumSetting,
  fromStandby: boolean,
): CheckResult[] {
  return [
    standbySignalCheck(facts, fromStandby),
    ...backupLabelCheck(facts),
    targetCheck(facts, target),
    ...checksumsCheck(facts, checksums),
  ];
}

// A snapshot of a standby carries its standby.signal by nature: removed, and not held against the backup.
function standbySignalCheck(facts: RecoveryFacts, fromStandby: boolean): CheckResult {
  const signal = facts.neutralised.find((n) => n === 'standby.signal');
  if (signal && fromStandby)
    return pass(
      'backup',
      'backup:standby-signal',
      'exact',
      'present (standby source)',
      'present',
      "the standby's standby.signal was removed: the restore ran as archive recovery",
      0,
    );
  return signal
    ? fail(
        'backup',
        'backup:standby-signal',
        'exact',
        'absent',
        'present',
        'the backup carries standby.signal (taken with -R or from a standby): restored as-is it would start as a standby following primary_conninfo; Recoverable removed it and restored with recovery.signal',
        0,
      )
    : pass('backup', 'backup:standby-signal', 'exact', 'absent', 'absent', 'no standby.signal in the backup', 0);
}

// Whether backup_label was used can only be judged once the server began recovering.
function backupLabelCheck(facts: RecoveryFacts): CheckResult[] {
  const ev = facts.evidence;
  if (!(ev.started || ev.backupRecovery || ev.consistent)) return [];
  // PostgreSQL 13 and 14 do not log backup recovery: the renamed label and where redo started prove it instead.
  const before15 = ev.backupRecovery ? null : labelUsedBefore15(ev, facts.labelRedo, facts.labelRenamed);
  if (ev.backupRecovery || before15)
    return [
      pass(
        'recovery',
        'recovery:backup-label',
        'exact',
        'backup recovery',
        'backup recovery',
        ev.backupRecovery ? `backup_label was used: "${ev.backupRecovery}"` : `backup_label was used: ${before15}`,
        0,
      ),
    ];
  return [
    fail(
      'recovery',
      'recovery:backup-label',
      'exact',
      'backup recovery',
      facts.backupLabelPresent ? 'not logged' : 'crash recovery',
      facts.backupLabelPresent
        ? 'the server did not log "starting backup recovery with redo LSN": backup_label was not used'
        : 'backup_label is missing from the backup: the server ran crash recovery instead of backup recovery, so changes made during the backup may be missing',
      0,
    ),
  ];
}

// Recovery stopped where the target says, in the server's own words.
function targetCheck(facts: RecoveryFacts, target: RecoveryTarget): CheckResult {
  const ev = facts.evidence;
  if (facts.failure) {
    const notReached = targetNotReached(ev);
    return fail(
      'recovery',
      'recovery:target',
      'exact',
      describeRecovery(target),
      'not reached',
      notReached ? `target not reached: the server said "${notReached}"` : `recovery failed: ${facts.failure}`,
      0,
    );
  }
  const problem = stopMatchesTarget(target, ev);
  return problem
    ? fail('recovery', 'recovery:target', 'exact', describeRecovery(target), ev.stopping, problem, 0)
    : pass(
        'recovery',
        'recovery:target',
        'exact',
        describeRecovery(target),
        ev.stopping ?? ev.completed.join('; '),
        `reached: ${ev.stopping ?? ev.completed.join('; ')}`,
        0,
      );
}

// pg_checksums' verdict, or why it had nothing to say.
function checksumsCheck(facts: RecoveryFacts, setting: ChecksumSetting): CheckResult[] {
  if (!setting.dataChecksums)
    return [
      {
        id: 'checksums',
        kind: 'checksums',
        status: 'skipped',
        message: 'data checksums are off in this cluster: pg_checksums has nothing to verify',
        durationMs: 0,
      },
    ];
  if (!setting.checksumsRan)
    return [
      {
        id: 'checksums',
        kind: 'checksums',
        status: 'skipped',
        message: 'pg_checksums is not installed for this major',
        durationMs: 0,
      },
    ];
  if (!facts.checksums) return [];
  const lines = facts.checksums.output.split('\n');
  return [
    facts.checksums.ok
      ? pass(
          'checksums',
          'checksums',
          'exact',
          'no bad blocks',
          'no bad blocks',
          `pg_checksums on the cleanly stopped cluster: ${lines.find((l) => /Bad checksums/.test(l)) ?? 'ok'}`,
          0,
        )
      : fail(
          'checksums',
          'checksums',
          'exact',
          'no bad blocks',
          'bad blocks',
          `pg_checksums found damage: ${lines
            .filter((l) => /checksum verification failed|Bad checksums/.test(l))
            .slice(0, 3)
            .join(' | ')}`,
          0,
        ),
  ];
}

/** A recovery target as the reports name it. */
export function describeRecovery(r: RecoveryTarget): string {
  switch (r.kind) {
    case 'immediate':
    case 'latest':
      return r.kind;
    case 'name':
      return `restore point ${r.name}`;
    default:
      return `${r.kind} ${r.kind === 'xid' ? r.xid : r.kind === 'time' ? r.time : r.lsn} (${r.inclusive ? 'inclusive' : 'exclusive'})`;
  }
}
