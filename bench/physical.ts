// The physical section of `npm run bench`: a basebackup drill to `latest` against pg_basebackup + cp + recovery by hand
// (verified as the drill is, and bare), and pgBackRest's backup and restore of the same source as a peer.
//
// Per side and round: point the source's archive_command at a fresh repository, take the backup (timed), then,
// untimed and identical for every side, run pgbench transactions, CHECKPOINT, pg_switch_wal() and wait until that
// segment is archived, so `latest` has WAL to replay; then restore (timed).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../src/env/cluster.ts';
import type { PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { systemIdentifier } from '../src/source/managed.ts';
import { DATABASE, type RawTiming } from './raw.ts';
import { rawBasebackup, rawPhysicalRestore, type PhysicalRawTiming } from './physical-raw.ts';
import { physicalBackup, physicalDrill, timeAvailable } from './drill-child.ts';
import { reportAgainstRaw, type PhysicalRun } from './physical-report.ts';
import { reportAgainstBare } from './physical-bare.ts';
import { pgbackrestRound, PGBACKREST_INSTALL, PGBACKREST_OPTIONS } from './pgbackrest.ts';
import { archiveInto, attachHistory, writeAfterBackup } from './source-wal.ts';
import { backupCopyBytes, type CopyTiming } from './disk.ts';
import { judgeRatio, notMeasured } from './targets.ts';
import { median, mib, say, seconds } from './util.ts';

/** The sides a physical round can run. */
export type PhysicalSide = 'raw' | 'bare' | 'recoverable' | 'pgbackrest';

export interface PhysicalOptions {
  rounds: number;
  verbose: boolean;
  /** pgbench transactions written after each backup (2 clients). */
  transactions: number;
  /** Write the source's end state as the repository's history, so the drill checks rows and fingerprints at latest. */
  history: boolean;
  /** Diagnostic: the drill replays with restore_command cp (as the raw side) instead of `recoverable fetch-wal`. */
  cpRestore: boolean;
  /** Which sides run (recoverable always does: every other side is compared with it). */
  sides: ReadonlySet<PhysicalSide>;
  /** pgBackRest's version line, null when it is not installed (its side is then left out, and says so). */
  pgbackrest: string | null;
}

/** The targets this section judges: the raw tools' ratio (as before), the bare restore's, the peer's. */
export interface PhysicalTargets {
  raw: number;
  bare: number;
  peer: number;
}

/** Run the physical rounds against `source` (archive_mode on, see physicalSourceSettings), print the comparisons; returns the drills' copies. */
export async function physicalBench(
  bin: PgBin,
  source: Cluster,
  work: string,
  options: PhysicalOptions,
  targets: PhysicalTargets,
): Promise<CopyTiming[]> {
  const system = await systemIdentifier(source);
  const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
  const sides = (['raw', 'bare', 'recoverable', 'pgbackrest'] as const).filter(
    (s) => s === 'recoverable' || (options.sides.has(s) && (s !== 'pgbackrest' || options.pgbackrest)),
  );
  // Nothing to compare the drill with (only the peer was asked for, and it is not installed): say so, run nothing.
  if (sides.length === 1) {
    reportPeer([], NaN, options, targets.peer);
    return [];
  }
  printHeader(options, sides);

  const raw: PhysicalRawTiming[] = [];
  const bare: PhysicalRawTiming[] = [];
  const peer: RawTiming[] = [];
  const drills: PhysicalRun[] = [];
  const copies: CopyTiming[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which side goes first, so drift (cache, other load) does not favour one.
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
      const dir = join(work, `physical-${side}-${round}`);
      await mkdir(dir);
      const repo = join(dir, 'repo');
      const archiveDir = join(repo, 'wal', system);
      if (side === 'pgbackrest') {
        const timing = await pgbackrestRound(bin, source, dir, options.transactions);
        peer.push(timing);
        say(`round ${round}: pgBackRest  ${seconds(timing.totalMs)}${steps(timing, options.verbose)}`);
      } else if (side === 'raw' || side === 'bare') {
        await archiveInto(source, repo, system);
        const backup = await rawBasebackup(bin, source, dir, side === 'raw');
        const end = await writeAfterBackup(bin, source, options.transactions);
        const timing = await rawPhysicalRestore(bin, backup, archiveDir, side === 'raw' ? end.expectations : null);
        (side === 'raw' ? raw : bare).push(timing);
        say(
          `round ${round}: ${side === 'raw' ? 'raw tools  ' : 'bare       '} ${seconds(timing.totalMs)}${steps(timing, options.verbose)}`,
        );
        if (options.verbose && side === 'raw')
          say(`  (restore_command asked for ${timing.asked.join(' ')}; ${timing.restoredFiles} restored)`);
      } else {
        await archiveInto(source, repo, system);
        const backup = await physicalBackup(url, dir);
        const end = await writeAfterBackup(bin, source, options.transactions);
        if (options.history) {
          await attachHistory(repo, backup.backupId, {
            formatVersion: 1,
            backupId: backup.backupId,
            systemIdentifier: system,
            markers: [],
            end: { expectations: end.expectations, lastCommitTime: end.time, lsn: end.lsn, lastSegment: end.segment },
          });
        }
        const drill = await physicalDrill(url, {
          repo,
          dir,
          ...(options.cpRestore ? { restoreCommand: `cp "${archiveDir}/%f" "%p"` } : {}),
        });
        if (drill.verdict !== 'passed')
          throw new Error(
            `the physical drill's verdict is ${drill.verdict}: ${drill.checks
              .filter((c) => c.status !== 'passed')
              .map((c) => `${c.id}: ${c.message}`)
              .join('; ')}`,
          );
        const copy = drill.phases.find((p) => p.name === 'copy');
        if (copy) copies.push({ bytes: await backupCopyBytes(repo, backup.backupId), ms: copy.durationMs });
        const runOf: PhysicalRun = { totalMs: backup.totalMs + drill.totalMs, backup, drill };
        drills.push(runOf);
        const rss = Math.max(backup.maxRssKb ?? 0, drill.maxRssKb ?? 0);
        say(
          `round ${round}: recoverable ${seconds(runOf.totalMs)} (backup ${seconds(backup.totalMs)} + drill ${seconds(drill.totalMs)})${timeAvailable ? `, peak RSS ${mib(rss)}` : ''}`,
        );
        if (options.verbose)
          say(
            `  (backup.durationMs ${seconds(drill.backupMs)}${backup.basebackupMs === null ? '' : ` = pg_basebackup ${seconds(backup.basebackupMs)} + archive wait ${seconds(backup.archiveWaitMs ?? 0)} + source facts`}, ${drill.phases.map((p) => `${p.name} ${seconds(p.durationMs)}`).join(', ')})`,
          );
      }
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      await run('sync', []);
    }
  }
  if (raw.length) reportAgainstRaw(raw, drills, options, targets.raw);
  const drillMedian = median(drills.map((d) => d.totalMs));
  if (bare.length) reportAgainstBare(bare, drills, targets.bare);
  if (options.sides.has('pgbackrest')) reportPeer(peer, drillMedian, options, targets.peer);
  return copies;
}

function printHeader(options: PhysicalOptions, sides: readonly PhysicalSide[]): void {
  say('');
  say(
    `physical (${sides.join(', ')}): every side archives into a fresh repository, backs up, then untimed: pgbench -n -t ${options.transactions} -c 2,`,
  );
  say('CHECKPOINT, pg_switch_wal(), wait until archived; then restores and replays to the end of the archive, timed.');
  if (sides.includes('raw')) {
    say(
      'raw tools: pg_basebackup -Fp -X stream -c fast --manifest-checksums=SHA256, pg_verifybackup, cp -a, recovery.signal + restore_command cp +',
    );
    say('timeline latest, start, replay, counts + fingerprints, stop, pg_checksums, remove.');
  }
  if (sides.includes('bare'))
    say(
      'bare: pg_basebackup -Fp -X stream -c fast, cp -a, recovery (restore_command cp), stop, remove: no verification at all.',
    );
  if (sides.includes('pgbackrest'))
    say(
      `pgBackRest (${options.pgbackrest}): backup --type=full (${PGBACKREST_OPTIONS}), restore --archive-mode=off, start, replay, stop, remove.`,
    );
  say(
    `recoverable: backup, then drill with backup.use: latest${options.cpRestore ? ' (diagnostic: restoreCommand cp)' : ''}.`,
  );
  if (options.history)
    say(
      "--history: the bench writes the source's end state as the repository's history, so the drill has exact expectations at latest",
    );
}

function steps(timing: RawTiming, verbose: boolean): string {
  return verbose
    ? ` (${Object.entries(timing.steps)
        .map(([k, v]) => `${k} ${seconds(v)}`)
        .join(', ')})`
    : '';
}

// The peer's line: Recoverable's verified backup + drill against pgBackRest's unverified backup + restore + recovery.
function reportPeer(peer: RawTiming[], drillMedian: number, options: PhysicalOptions, target: number): void {
  say('');
  const name = 'recoverable backup + verified drill against pgBackRest backup + restore + recovery (peer)';
  if (!options.pgbackrest) {
    notMeasured(name, `pgBackRest is not installed (${PGBACKREST_INSTALL})`, `<= ${target.toFixed(2)}x`);
    return;
  }
  const step = (n: string) => seconds(median(peer.map((t) => t.steps[n] ?? 0)));
  say(
    `pgBackRest: median ${seconds(median(peer.map((t) => t.totalMs)))} (backup ${step('backup')}, restore ${step('restore')}, recovery ${step('recovery')})`,
  );
  judgeRatio(name, drillMedian, median(peer.map((t) => t.totalMs)), target);
}
