// The physical section's comparison with the raw tools: medians phase by phase, what the drill did not check, the ratio.
import type { RawTiming } from './raw.ts';
import type { PhysicalRawTiming } from './physical-raw.ts';
import { timeAvailable, type BackupRun, type DrillRun } from './drill-child.ts';
import { judgeRatio } from './targets.ts';
import { median, mib, printPhaseTable, say, seconds, signed, sum } from './util.ts';

/** One recoverable side of a physical round: the backup process and the drill process. */
export interface PhysicalRun {
  totalMs: number;
  backup: BackupRun;
  drill: DrillRun;
}

/** What the comparison needs to know about how the rounds ran. */
export interface ReportOptions {
  rounds: number;
  history: boolean;
  cpRestore: boolean;
}

/** The drill phases the tables name; any other phase a drill reports is shown as such, so the rows still add up. */
export const KNOWN_PHASES = ['fetch/verify', 'pg_verifybackup', 'copy', 'WAL replay', 'checksums', 'start', 'checks'];

/** The wal:continuity check's time (it runs outside the phases). */
export function continuityMs(d: DrillRun): number {
  return d.checks.find((c) => c.id === 'wal:continuity')?.durationMs ?? 0;
}

/** A drill phase's time, 0 when the drill did not report it. */
export function phaseMs(r: PhysicalRun, name: string): number {
  return r.drill.phases.find((p) => p.name === name)?.durationMs ?? 0;
}

/** pg_basebackup alone (the whole backup step when the backup's log does not split it). */
export function basebackupMs(r: PhysicalRun): number {
  return r.backup.basebackupMs ?? r.drill.backupMs;
}

/** The wait for the stop segment to reach the archive, after pg_basebackup exited. */
export function archiveWaitMs(r: PhysicalRun): number {
  return r.backup.archiveWaitMs ?? 0;
}

/** The backup process beyond pg_basebackup and the wait: start-up, source facts, the repository's manifest + fsync. */
export function backupProcessMs(r: PhysicalRun): number {
  return r.backup.totalMs - basebackupMs(r) - archiveWaitMs(r);
}

/** The drill process beyond its phases: start-up, chown -R of the copy, reports, removing the cluster. */
export function drillRestMs(r: PhysicalRun): number {
  return r.drill.totalMs - sum(r.drill.phases.map((p) => p.durationMs)) - continuityMs(r.drill);
}

/** Print the raw tools against the drill, phase by phase, and judge the ratio against `target`. */
export function reportAgainstRaw(
  raw: PhysicalRawTiming[],
  drills: PhysicalRun[],
  options: ReportOptions,
  target: number,
): void {
  const phase = phaseMs;
  const step = (t: RawTiming, name: string): number => t.steps[name] ?? 0;
  const otherNames = [
    ...new Set(drills.flatMap((d) => d.drill.phases.map((p) => p.name)).filter((n) => !KNOWN_PHASES.includes(n))),
  ];
  const rows: Array<[string, (t: RawTiming) => number, (r: PhysicalRun) => number]> = [
    ['backup: pg_basebackup', (t) => step(t, 'backup'), basebackupMs],
    ['backup: wait for the stop segment to be archived', () => 0, archiveWaitMs],
    ['backup: process, source facts, repository manifest + fsync', () => 0, backupProcessMs],
    ['fetch/verify (repository manifest, SHA-256)', () => 0, (r) => phase(r, 'fetch/verify')],
    [
      'pg_verifybackup (drill: the wait after the copy it runs beside)',
      (t) => step(t, 'pg_verifybackup'),
      (r) => phase(r, 'pg_verifybackup'),
    ],
    ['wal:continuity check', () => 0, (r) => continuityMs(r.drill)],
    ['copy (cp -a; drill: + reflink probe)', (t) => step(t, 'copy'), (r) => phase(r, 'copy')],
    ['WAL replay to latest (start, replay, promote)', (t) => step(t, 'recovery'), (r) => phase(r, 'WAL replay')],
    ['stop + pg_checksums', (t) => step(t, 'checksums'), (r) => phase(r, 'checksums')],
    ['start again after pg_checksums', () => 0, (r) => phase(r, 'start')],
    ['checks (counts + fingerprints)', (t) => step(t, 'checks'), (r) => phase(r, 'checks')],
    // Phases a newer drill reports that this table does not name yet, so the rows still add up.
    [
      `other drill phases${otherNames.length ? ` (${otherNames.join(', ')})` : ''}`,
      () => 0,
      (r) => sum(r.drill.phases.filter((p) => !KNOWN_PHASES.includes(p.name)).map((p) => p.durationMs)),
    ],
    [
      'rest (remove; drill process, chown -R, reports)',
      (t) =>
        t.totalMs -
        sum(
          Object.entries(t.steps)
            .filter(([k]) => k !== 'dispose')
            .map(([, v]) => v),
        ),
      drillRestMs,
    ],
  ];
  if (!otherNames.length)
    rows.splice(
      rows.findIndex(([name]) => name.startsWith('other drill phases')),
      1,
    );
  const rawMedian = median(raw.map((r) => r.totalMs));
  const drillMedian = median(drills.map((d) => d.totalMs));
  say('');
  say(
    `physical: median of ${options.rounds} round(s): raw tools ${seconds(rawMedian)}, recoverable ${seconds(drillMedian)} (backup ${seconds(median(drills.map((d) => d.backup.totalMs)))} + drill ${seconds(median(drills.map((d) => d.drill.totalMs)))})`,
  );
  if (timeAvailable)
    say(
      `recoverable peak RSS (GNU time, backup and drill processes): ${mib(Math.max(...drills.flatMap((d) => [d.backup.maxRssKb ?? 0, d.drill.maxRssKb ?? 0])))}`,
    );
  say('');
  const gaps = printPhaseTable(rows, raw, drills);

  // What the drill verified at latest: with a url source and no history it has no expectations, so no data checks ran.
  const last = drills.at(-1)!.drill;
  const hashed = last.checks.filter((c) => c.kind === 'fingerprints' && c.status === 'passed').length;
  const skipped = last.checks.find((c) => c.id === 'expectations' && c.status === 'skipped');
  say('');
  let base = rawMedian;
  if (hashed > 0) {
    say(
      `data checks: the drill counted and hashed ${hashed} tables at latest${options.history ? ', against the end state the bench wrote as its history (--history)' : ''}, as the raw side does`,
    );
  } else {
    const likeForLike = median(raw.map((t) => t.totalMs - step(t, 'checks')));
    say(
      `data checks: the drill did NOT count or hash any table at latest (${skipped ? `skipped: "${skipped.message}"` : 'no fingerprint check passed'}).`,
    );
    say(
      `  Its checks phase (${seconds(median(drills.map((d) => phase(d, 'checks'))))}) does no data check; the raw side's counts + fingerprints take ${seconds(median(raw.map((t) => step(t, 'checks'))))}.`,
    );
    say(
      `  So the ratio compares like with like: raw tools without their data checks, ${seconds(likeForLike)} (with them ${seconds(rawMedian)}: ${(drillMedian / rawMedian).toFixed(2)}x).`,
    );
    say('  Run with --history to give the drill exact expectations at latest, so it checks the data too.');
    base = likeForLike;
  }
  // Where the drill's replay time goes: one process per restore_command call.
  const calls = median(raw.map((t) => t.restoreCalls));
  const replayGap = median(drills.map((d) => phase(d, 'WAL replay'))) - median(raw.map((t) => step(t, 'recovery')));
  if (!options.cpRestore && calls > 0) {
    say(
      `restore_command: ${calls} calls per replay (${median(raw.map((t) => t.restoredFiles))} files found); the drill's replay is ${signed(replayGap)} against cp: ~${(replayGap / calls).toFixed(0)} ms per \`recoverable fetch-wal\` (--cp-restore isolates it)`,
    );
  }
  say(
    `pg_checksums: the drill stops, checks, then starts the server again for its checks: the second start costs ${seconds(median(drills.map((d) => phase(d, 'start'))))}`,
  );
  if (drillMedian / base > target) {
    const budget = rawMedian * 0.02;
    for (const [name, gap] of gaps.sort((a, b) => b[1] - a[1]).filter(([, g]) => g > budget))
      say(`hint: ${name} costs ${signed(gap)} more than the raw tools`);
  }
  judgeRatio(
    `physical drill to latest against the raw tools${base === rawMedian ? '' : ' without their data checks'}`,
    drillMedian,
    base,
    target,
  );
}
