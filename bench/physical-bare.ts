// The physical section against the bare restore (pg_basebackup + cp + recovery, nothing verified): medians phase by
// phase, each row saying whether its extra time is verification the bare side does not do or the drill's own overhead.
import type { PhysicalRawTiming } from './physical-raw.ts';
import {
  archiveWaitMs,
  backupProcessMs,
  basebackupMs,
  continuityMs,
  drillRestMs,
  KNOWN_PHASES,
  phaseMs,
  type PhysicalRun,
} from './physical-report.ts';
import { judgeRatio } from './targets.ts';
import { median, printPhaseTable, say, seconds, signed, sum } from './util.ts';

/** Verification: a check the bare restore skips (inherent to a verified drill). Work: both sides do it. Overhead: neither. */
type Cost = 'verification' | 'work' | 'overhead';

type Row = readonly [string, (t: PhysicalRawTiming) => number, (r: PhysicalRun) => number, Cost];

// Why each verification row costs what it does, for the hint lines.
const WHY: Record<string, string> = {
  'backup: pg_basebackup':
    'SHA-256 file checksums in backup_manifest (bare: CRC-32C), which pg_verifybackup and the repository rely on',
  'backup: wait for the stop segment to be archived': 'a backup counts only once the WAL to restore it is archived',
  'fetch/verify (repository manifest)': 'the repository manifest, checked before anything is restored',
  'pg_verifybackup (drill: the wait after the copy it runs beside)':
    'every file against backup_manifest, and the WAL parses',
  'wal:continuity check': 'the archive holds every segment from the backup to the target',
  'stop (drill: + pg_checksums)': 'every page of the restored cluster against its data checksum',
  'start again after pg_checksums': 'pg_checksums needs the server stopped; the checks need it running',
  'checks (markers, counts + fingerprints)': "the restored rows against the source's exact expectations",
};

/** Print the bare restore against the drill phase by phase, say what is verification and what is not, judge the ratio. */
export function reportAgainstBare(bare: PhysicalRawTiming[], drills: PhysicalRun[], target: number): void {
  const step = (t: PhysicalRawTiming, name: string): number => t.steps[name] ?? 0;
  const none = (): number => 0;
  const rows: Row[] = [
    ['backup: pg_basebackup', (t) => step(t, 'backup'), basebackupMs, 'verification'],
    ['backup: wait for the stop segment to be archived', none, archiveWaitMs, 'verification'],
    ['backup: process, source facts, repository manifest + fsync', none, backupProcessMs, 'overhead'],
    ['fetch/verify (repository manifest)', none, (r) => phaseMs(r, 'fetch/verify'), 'verification'],
    [
      'pg_verifybackup (drill: the wait after the copy it runs beside)',
      none,
      (r) => phaseMs(r, 'pg_verifybackup'),
      'verification',
    ],
    ['wal:continuity check', none, (r) => continuityMs(r.drill), 'verification'],
    ['copy (cp -a; drill: + reflink probe)', (t) => step(t, 'copy'), (r) => phaseMs(r, 'copy'), 'work'],
    [
      'WAL replay to latest (start, replay, promote)',
      (t) => step(t, 'recovery'),
      (r) => phaseMs(r, 'WAL replay'),
      'work',
    ],
    ['stop (drill: + pg_checksums)', (t) => step(t, 'stop'), (r) => phaseMs(r, 'checksums'), 'verification'],
    ['start again after pg_checksums', none, (r) => phaseMs(r, 'start'), 'verification'],
    ['checks (markers, counts + fingerprints)', none, (r) => phaseMs(r, 'checks'), 'verification'],
    [
      'other drill phases',
      none,
      (r) => sum(r.drill.phases.filter((p) => !KNOWN_PHASES.includes(p.name)).map((p) => p.durationMs)),
      'overhead',
    ],
    [
      'rest (remove; drill process, chown -R, reports)',
      (t) => t.totalMs - sum(Object.entries(t.steps).map(([k, v]) => (k === 'dispose' ? 0 : v))),
      drillRestMs,
      'overhead',
    ],
  ];
  const bareMedian = median(bare.map((t) => t.totalMs));
  const drillMedian = median(drills.map((d) => d.totalMs));
  say('');
  say(
    `bare restore (pg_basebackup + cp + recovery, nothing verified): median ${seconds(bareMedian)}; recoverable ${seconds(drillMedian)}`,
  );
  say('');
  const gaps = printPhaseTable(
    rows.map(([name, b, d]) => [name, b, d] as const),
    bare,
    drills,
  );
  const costOf = new Map(rows.map(([name, , , cost]) => [name, cost]));
  const total = (cost: Cost): number => sum(gaps.filter(([name]) => costOf.get(name) === cost).map(([, gap]) => gap));
  const verification = total('verification');
  const overhead = total('overhead');
  say('');
  say(
    `of the drill's ${signed(drillMedian - bareMedian)}: verification the bare restore does not do ${signed(verification)}, overhead ${signed(overhead)}, the shared work ${signed(total('work'))} (medians of each row, so they need not add up)`,
  );
  say(
    `without its verification the drill would be ${((drillMedian - verification) / bareMedian).toFixed(2)}x the bare restore; the verification alone is ${(verification / bareMedian).toFixed(2)}x of it`,
  );
  const budget = bareMedian * 0.02;
  for (const [name, gap] of gaps.sort((a, b) => b[1] - a[1]).filter(([, g]) => g > budget)) {
    const cost = costOf.get(name);
    if (cost === 'verification')
      say(`hint: ${name} costs ${signed(gap)}: inherent, verification the bare restore does not do (${WHY[name]})`);
    else if (cost === 'overhead') say(`hint: ${name} costs ${signed(gap)} more than the bare restore: overhead`);
    else say(`hint: ${name} costs ${signed(gap)} more than the bare restore's same step`);
  }
  judgeRatio('verified physical drill to latest against the bare restore', drillMedian, bareMedian, target);
}
