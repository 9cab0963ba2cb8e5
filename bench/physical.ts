// The physical section of `npm run bench`: a basebackup drill to `latest` against pg_basebackup + cp + recovery by hand.
//
// Per side and round: point the source's archive_command at a fresh repository (`recoverable archive-wal`, both sides),
// take the backup (timed), then, untimed and identical for both sides, run pgbench transactions, CHECKPOINT,
// pg_switch_wal() and wait until that segment is archived, so `latest` has WAL to replay; then restore (timed).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Cluster } from '../src/env/cluster.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { captureExpectations, type Expectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import { confValue } from '../src/restore/recovery-config.ts';
import { archiveCommand, prepareArchiveDir } from '../src/source/archive-command.ts';
import { systemIdentifier } from '../src/source/managed.ts';
import { HISTORY_FILE, type SourceHistory } from '../src/repository/history.ts';
import { MANIFEST_FILE, type Manifest } from '../src/repository/manifest.ts';
import { DATABASE, type RawTiming } from './raw.ts';
import { rawBasebackup, rawPhysicalRestore, type PhysicalRawTiming } from './physical-raw.ts';
import { physicalBackup, physicalDrill, timeAvailable, type ChildRun, type DrillRun } from './drill-child.ts';
import { median, mib, printPhaseTable, say, seconds, signed, sum } from './util.ts';

/** What the source archives with until a round points it at a repository: nothing (setup's WAL is not wanted). */
const DISCARD = '/bin/true';
const ARCHIVE_TIMEOUT_MS = 120_000;

/** The source's settings for the physical section (set before its first start: archive_mode needs a restart). */
export function physicalSourceSettings(command = DISCARD): Record<string, string> {
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: confValue(command),
    max_wal_senders: '10',
    // No background writes on the source while a side restores (the machine is shared by both).
    autovacuum: 'off',
  };
}

export interface PhysicalOptions {
  rounds: number;
  verbose: boolean;
  /** pgbench transactions written after each backup (2 clients). */
  transactions: number;
  /** Write the source's end state as the repository's history, so the drill checks rows and fingerprints at latest. */
  history: boolean;
  /** Diagnostic: the drill replays with restore_command cp (as the raw side) instead of `recoverable fetch-wal`. */
  cpRestore: boolean;
}

interface PhysicalRun {
  totalMs: number;
  backup: ChildRun;
  drill: DrillRun;
}

/** Run the physical rounds against `source` (archive_mode on, see physicalSourceSettings) and print the comparison. */
export async function physicalBench(bin: PgBin, source: Cluster, work: string, options: PhysicalOptions, target: number): Promise<void> {
  const system = await systemIdentifier(source);
  const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
  say('');
  say(`physical: both sides: pg_basebackup -Fp -X stream -c fast --manifest-checksums=SHA256, archive_command = recoverable archive-wal;`);
  say(`then untimed: pgbench -n -t ${options.transactions} -c 2, CHECKPOINT, pg_switch_wal(), wait until archived; then pg_verifybackup,`);
  say('cp -a, recovery.signal + restore_command + timeline latest, start, replay to the end of the archive, counts + fingerprints,');
  say(`stop, pg_checksums, remove. Raw: restore_command cp. Recoverable: backup, then drill with backup.use: latest${options.cpRestore ? ' (diagnostic: restoreCommand cp)' : ''}.`);
  if (options.history) say('--history: the bench writes the source\'s end state as the repository\'s history, so the drill has exact expectations at latest');

  const raw: PhysicalRawTiming[] = [];
  const drills: PhysicalRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? (['raw', 'recoverable'] as const) : (['recoverable', 'raw'] as const);
    for (const side of order) {
      const dir = join(work, `physical-${side}-${round}`);
      await mkdir(dir);
      const repo = join(dir, 'repo');
      const archiveDir = join(repo, 'wal', system);
      await archiveInto(source, repo, system);
      if (side === 'raw') {
        const backup = await rawBasebackup(bin, source, dir);
        const end = await writeAfterBackup(bin, source, archiveDir, options.transactions);
        const timing = await rawPhysicalRestore(bin, backup, archiveDir, end.expectations);
        raw.push(timing);
        say(`round ${round}: raw tools   ${seconds(timing.totalMs)}${options.verbose ? ` (${Object.entries(timing.steps).map(([k, v]) => `${k} ${seconds(v)}`).join(', ')})` : ''}`);
        if (options.verbose) say(`  (restore_command asked for ${timing.asked.join(' ')}; ${timing.restoredFiles} restored)`);
      } else {
        const backup = await physicalBackup(url, dir);
        const end = await writeAfterBackup(bin, source, archiveDir, options.transactions);
        if (options.history) {
          await attachHistory(repo, backup.backupId, {
            formatVersion: 1, backupId: backup.backupId, systemIdentifier: system, markers: [],
            end: { expectations: end.expectations, lastCommitTime: end.time, lsn: end.lsn, lastSegment: end.segment },
          });
        }
        const drill = await physicalDrill(url, dir, options.cpRestore ? `cp "${archiveDir}/%f" "%p"` : undefined);
        if (drill.verdict !== 'passed') throw new Error(`the physical drill's verdict is ${drill.verdict}: ${drill.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`).join('; ')}`);
        const runOf: PhysicalRun = { totalMs: backup.totalMs + drill.totalMs, backup, drill };
        drills.push(runOf);
        const rss = Math.max(backup.maxRssKb ?? 0, drill.maxRssKb ?? 0);
        say(`round ${round}: recoverable ${seconds(runOf.totalMs)} (backup ${seconds(backup.totalMs)} + drill ${seconds(drill.totalMs)})${timeAvailable ? `, peak RSS ${mib(rss)}` : ''}`);
        if (options.verbose) say(`  (backup.durationMs ${seconds(drill.backupMs)}, ${drill.phases.map((p) => `${p.name} ${seconds(p.durationMs)}`).join(', ')}, wal:continuity ${seconds(continuityMs(drill))})`);
      }
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      await run('sync', []);
    }
  }
  report(raw, drills, options, target);
}

// --history: the bench's end state put into the url-source backup as a managed source's history is (a url source
// records none): the file, the record naming it, and the manifest covering both, so the drill trusts it.
async function attachHistory(repo: string, backupId: string, history: SourceHistory): Promise<void> {
  const dir = join(repo, 'backups', backupId);
  const historyText = `${JSON.stringify(history)}\n`;
  await writeFile(join(dir, HISTORY_FILE), historyText, { mode: 0o600 });
  const record = JSON.parse(await readFile(join(dir, 'backup.json'), 'utf8')) as { historyFile: string | null };
  record.historyFile = HISTORY_FILE;
  const recordText = `${JSON.stringify(record, null, 2)}\n`;
  await writeFile(join(dir, 'backup.json'), recordText);
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  const entry = (path: string, text: string) => ({ path, size: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
  manifest.files = [...manifest.files.filter((f) => f.path !== 'backup.json' && f.path !== HISTORY_FILE), entry('backup.json', recordText), entry(HISTORY_FILE, historyText)]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

// A fresh repository for this side: its WAL directory owned by the cluster user, archive_command pointed at it.
async function archiveInto(source: Cluster, repo: string, system: string): Promise<void> {
  await prepareArchiveDir(repo, system, source.runtime);
  await source.writeSettings(physicalSourceSettings(archiveCommand(repo, system)));
  const client = await source.connect('postgres');
  try {
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end();
  }
  await new Promise((r) => setTimeout(r, 500)); // the archiver reloads on its next wake-up
}

interface EndState {
  expectations: Expectations;
  lsn: string;
  time: string;
  segment: string;
}

// Untimed, identical for both sides: transactions after the backup, archived to their last segment; the end state counted.
async function writeAfterBackup(bin: PgBin, source: Cluster, archiveDir: string, transactions: number): Promise<EndState> {
  await run(tool(bin, 'pgbench'), ['-n', '-t', String(transactions), '-c', '2', source.conninfo(DATABASE)]);
  const client = await source.connect(DATABASE);
  try {
    await client.query('CHECKPOINT');
    const { rows } = await client.query<{ lsn: string; time: string }>(
      `select pg_current_wal_insert_lsn()::text as lsn, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as time`,
    );
    const segment = (await client.query<{ s: string }>('select pg_walfile_name(pg_switch_wal()) as s')).rows[0]!.s;
    const deadline = Date.now() + ARCHIVE_TIMEOUT_MS;
    while (!existsSync(join(archiveDir, segment))) {
      if (Date.now() > deadline) throw new Error(`WAL segment ${segment} never reached ${archiveDir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await pinSession(client);
    await client.query('begin isolation level repeatable read read only');
    const expectations = await captureExpectations(client, { fingerprints: true, largeObjectContent: true });
    await client.query('commit');
    await run('sync', []); // the restore starts with no dirty pages of the workload
    return { expectations, lsn: rows[0]!.lsn, time: rows[0]!.time, segment };
  } finally {
    await client.end();
  }
}

const KNOWN_PHASES = ['fetch/verify', 'pg_verifybackup', 'copy', 'WAL replay', 'checksums', 'start', 'checks'];

function continuityMs(d: DrillRun): number {
  return d.checks.find((c) => c.id === 'wal:continuity')?.durationMs ?? 0;
}

// Medians, phase by phase, what the drill did not check, and the verdict.
function report(raw: PhysicalRawTiming[], drills: PhysicalRun[], options: PhysicalOptions, target: number): void {
  const phase = (r: PhysicalRun, name: string): number => r.drill.phases.find((p) => p.name === name)?.durationMs ?? 0;
  const step = (t: RawTiming, name: string): number => t.steps[name] ?? 0;
  const otherNames = [...new Set(drills.flatMap((d) => d.drill.phases.map((p) => p.name)).filter((n) => !KNOWN_PHASES.includes(n)))];
  const rows: Array<[string, (t: RawTiming) => number, (r: PhysicalRun) => number]> = [
    ['backup: pg_basebackup (drill: + stop segment archived)', (t) => step(t, 'backup'), (r) => r.drill.backupMs],
    ['backup: process, repository manifest + fsync', () => 0, (r) => r.backup.totalMs - r.drill.backupMs],
    ['fetch/verify (repository manifest, SHA-256)', () => 0, (r) => phase(r, 'fetch/verify')],
    ['pg_verifybackup', (t) => step(t, 'pg_verifybackup'), (r) => phase(r, 'pg_verifybackup')],
    ['wal:continuity check', () => 0, (r) => continuityMs(r.drill)],
    ['copy (cp -a; drill: + chown -R)', (t) => step(t, 'copy'), (r) => phase(r, 'copy')],
    ['WAL replay to latest (start, replay, promote)', (t) => step(t, 'recovery'), (r) => phase(r, 'WAL replay')],
    ['stop + pg_checksums', (t) => step(t, 'checksums'), (r) => phase(r, 'checksums')],
    ['start again after pg_checksums', () => 0, (r) => phase(r, 'start')],
    ['checks (counts + fingerprints)', (t) => step(t, 'checks'), (r) => phase(r, 'checks')],
    // Phases a newer drill reports that this table does not name yet, so the rows still add up.
    [`other drill phases${otherNames.length ? ` (${otherNames.join(', ')})` : ''}`, () => 0, (r) => sum(r.drill.phases.filter((p) => !KNOWN_PHASES.includes(p.name)).map((p) => p.durationMs))],
    ['rest (remove; drill process, reports)', (t) => t.totalMs - sum(Object.entries(t.steps).filter(([k]) => k !== 'dispose').map(([, v]) => v)),
      (r) => r.drill.totalMs - sum(r.drill.phases.map((p) => p.durationMs)) - continuityMs(r.drill)],
  ];
  if (!otherNames.length) rows.splice(rows.findIndex(([name]) => name.startsWith('other drill phases')), 1);
  const rawMedian = median(raw.map((r) => r.totalMs));
  const drillMedian = median(drills.map((d) => d.totalMs));
  say('');
  say(`physical: median of ${options.rounds} round(s): raw tools ${seconds(rawMedian)}, recoverable ${seconds(drillMedian)} (backup ${seconds(median(drills.map((d) => d.backup.totalMs)))} + drill ${seconds(median(drills.map((d) => d.drill.totalMs)))})`);
  if (timeAvailable) say(`recoverable peak RSS (GNU time, backup and drill processes): ${mib(Math.max(...drills.flatMap((d) => [d.backup.maxRssKb ?? 0, d.drill.maxRssKb ?? 0])))}`);
  say('');
  const gaps = printPhaseTable(rows, raw, drills);

  // What the drill verified at latest: with a url source and no history it has no expectations, so no data checks ran.
  const last = drills.at(-1)!.drill;
  const hashed = last.checks.filter((c) => c.kind === 'fingerprints' && c.status === 'passed').length;
  const skipped = last.checks.find((c) => c.id === 'expectations' && c.status === 'skipped');
  say('');
  let ratio = drillMedian / rawMedian;
  if (hashed > 0) {
    say(`data checks: the drill counted and hashed ${hashed} tables at latest${options.history ? ', against the end state the bench wrote as its history (--history)' : ''}, as the raw side does`);
  } else {
    const likeForLike = median(raw.map((t) => t.totalMs - step(t, 'checks')));
    say(`data checks: the drill did NOT count or hash any table at latest (${skipped ? `skipped: "${skipped.message}"` : 'no fingerprint check passed'}).`);
    say(`  Its checks phase (${seconds(median(drills.map((d) => phase(d, 'checks'))))}) does no data check; the raw side's counts + fingerprints take ${seconds(median(raw.map((t) => step(t, 'checks'))))}.`);
    say(`  So the ratio compares like with like: raw tools without their data checks, ${seconds(likeForLike)} (with them ${seconds(rawMedian)}: ${(drillMedian / rawMedian).toFixed(2)}x).`);
    say('  Run with --history to give the drill exact expectations at latest, so it checks the data too.');
    ratio = drillMedian / likeForLike;
  }
  // Where the drill's replay time goes: one process per restore_command call.
  const calls = median(raw.map((t) => t.restoreCalls));
  const replayGap = median(drills.map((d) => phase(d, 'WAL replay'))) - median(raw.map((t) => step(t, 'recovery')));
  if (!options.cpRestore && calls > 0) {
    say(`restore_command: ${calls} calls per replay (${median(raw.map((t) => t.restoredFiles))} files found); the drill's replay is ${signed(replayGap)} against cp: ~${(replayGap / calls).toFixed(0)} ms per \`recoverable fetch-wal\` (--cp-restore isolates it)`);
  }
  say(`pg_checksums: the drill stops, checks, then starts the server again for its checks: the second start costs ${seconds(median(drills.map((d) => phase(d, 'start'))))}`);
  if (ratio > target) {
    const budget = rawMedian * 0.02;
    for (const [name, gap] of gaps.sort((a, b) => b[1] - a[1]).filter(([, g]) => g > budget)) say(`hint: ${name} costs ${signed(gap)} more than the raw tools`);
  }
  say(`physical ratio ${ratio.toFixed(2)}x (target <= ${target.toFixed(2)}x): ${ratio <= target ? 'ok' : 'OVER TARGET'}`);
}
