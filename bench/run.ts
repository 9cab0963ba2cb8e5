// `npm run bench`: drills of a pgbench database against the raw PostgreSQL tools doing the same work:
// a dump drill (pg_dump/pg_restore) and a physical drill to `latest` (pg_basebackup + cp + recovery).
// Usage: node bench/run.ts [--only dump|physical] [--scale 20] [--rounds 3] [--jobs 2] [--verbose (each round's phases)]
//        dump: [--no-encryption (default: each round also drills with an encrypted repository, to measure its cost)]
//        physical: [--transactions 2000 (pgbench, after each backup)] [--no-history (default: the drill gets exact expectations at latest and runs the same queries as the raw side)]
//                  [--cp-restore (diagnostic: the drill replays with restore_command cp, not recoverable fetch-wal)]
import { parseArgs } from 'node:util';
import { chmod, mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { requireBinaries, tool } from '../src/env/binaries.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { Cluster } from '../src/env/cluster.ts';
import { LocalRuntime } from '../src/env/local-runtime.ts';
import { run } from '../src/core/exec.ts';
import { silentLogger } from '../src/core/log.ts';
import { interruption } from '../src/core/interrupt.ts';
import { rawRound, DATABASE, type RawTiming } from './raw.ts';
import { drillRound, timeAvailable, type DrillRun } from './drill-child.ts';
import { physicalBench, physicalSourceSettings } from './physical.ts';
import { median, mib, printPhaseTable, say, seconds, signed, sum } from './util.ts';
import { benchHelp } from './help.ts';

const TARGET = 1.15;
const PG_MAJOR = 15;

const { values } = parseArgs({
  allowNegative: true,
  options: {
    only: { type: 'string' }, scale: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' }, jobs: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false }, transactions: { type: 'string', default: '2000' }, history: { type: 'boolean', default: true },
    'cp-restore': { type: 'boolean', default: false }, encryption: { type: 'boolean', default: true },
  },
});
if (values.only !== undefined && values.only !== 'dump' && values.only !== 'physical') {
  process.stderr.write(`bench: --only must be dump or physical, got ${values.only}\n`);
  process.exit(2);
}
const dump = values.only !== 'physical';
const physical = values.only !== 'dump';
const scale = positive('scale', values.scale);
const rounds = positive('rounds', values.rounds);
const jobs = positive('jobs', values.jobs);
const transactions = positive('transactions', values.transactions);

const bin = requireBinaries(PG_MAJOR, [
  'initdb', 'pg_ctl', 'postgres', 'psql', 'createdb', 'pgbench',
  ...(dump ? ['pg_dump', 'pg_dumpall', 'pg_restore'] : []),
  ...(physical ? ['pg_basebackup', 'pg_verifybackup', 'pg_checksums', 'pg_controldata'] : []),
]);
interruption.install((code) => process.exit(code));
const work = await mkdtemp(join(tmpdir(), 'recoverable-bench-'));
await chmod(work, 0o711); // the postgres OS user must reach the clusters inside
// Every cluster, ours and the drill's (the child inherits this), lives under `work`: one sweep removes whatever is left.
process.env.RECOVERABLE_WORK_DIR = work;
interruption.onInterrupt(() => sweep(work));
let source: Cluster | undefined;
try {
  process.exitCode = await main();
} catch (error) {
  if (interruption.signal.aborted) process.stderr.write('bench: interrupted, cleaning up\n');
  else {
    process.stderr.write(`bench: failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
} finally {
  await source?.dispose();
  await sweep(work);
}

async function main(): Promise<number> {
  // Start-up first, while the machine is quiet: the command line's own cost, beside the drills' ratios below.
  benchHelp();
  // Setup, once: a source cluster with a pgbench database.
  const setupStarted = performance.now();
  // Archiving needs archive_mode, which only a (re)start applies: the physical section's settings go in before the first start.
  source = await Cluster.init(new LocalRuntime(bin), { dataChecksums: true, ...(physical ? { settings: physicalSourceSettings() } : {}) }, silentLogger());
  await source.start();
  await run(tool(bin, 'createdb'), [`--maintenance-db=${source.conninfo('postgres')}`, DATABASE]);
  await run(tool(bin, 'pgbench'), ['-i', '-q', '-s', String(scale), source.conninfo(DATABASE)]);
  // Write the load out now, so a checkpoint or the kernel's writeback does not land inside a timed round.
  await run(tool(bin, 'psql'), ['-X', '-q', '-d', source.conninfo(DATABASE), '-c', 'CHECKPOINT']);
  await run('sync', []);
  const size = await databaseSize(source);
  say(`setup: PostgreSQL ${bin.version} source, pgbench -i -s ${scale} into "${DATABASE}" (${size}) in ${seconds(performance.now() - setupStarted)}`);
  if (dump) await dumpBench(source);
  if (physical) await physicalBench(bin, source, work, { rounds, verbose: values.verbose, transactions, history: values.history, cpRestore: values['cp-restore'] }, TARGET);
  return 0;
}

async function dumpBench(source: Cluster): Promise<void> {
  say('');
  say(`dump: both sides: snapshot + row counts + fingerprints, pg_dumpall --globals-only, pg_dump -Fd -j ${jobs}; restore into a disposable`);
  say(`cluster (initdb --data-checksums + start), globals, createdb, pg_restore -j ${jobs}, ANALYZE, counts + fingerprints, stop + remove`);

  const raw: RawTiming[] = [];
  const drills: DrillRun[] = [];
  const encrypted: DrillRun[] = [];
  // The key lives outside every repository, as the scenario rules require.
  const keyFile = join(work, 'bench.key');
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  for (let round = 1; round <= rounds; round++) {
    // Alternate which side goes first, so drift (cache, other load) does not favour one.
    const sides = values.encryption ? (['raw', 'recoverable', 'encrypted'] as const) : (['raw', 'recoverable'] as const);
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const side of order) {
      const dir = join(work, `${side}-${round}`);
      await mkdir(dir);
      if (side === 'encrypted') {
        const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
        const drill = await drillRound(url, dir, jobs, keyFile);
        if (drill.verdict !== 'passed') throw new Error(`the encrypted drill's verdict is ${drill.verdict}`);
        encrypted.push(drill);
        say(`round ${round}: encrypted   ${seconds(drill.totalMs)}${drill.maxRssKb === null ? '' : `, peak RSS ${mib(drill.maxRssKb)}`} (decrypt ${seconds(drill.phases.find((p) => p.name === 'decrypt')?.durationMs ?? 0)})`);
      } else if (side === 'raw') {
        const timing = await rawRound(bin, source, dir, jobs);
        raw.push(timing);
        say(`round ${round}: raw tools   ${seconds(timing.totalMs)}${values.verbose ? ` (${Object.entries(timing.steps).map(([k, v]) => `${k} ${seconds(v)}`).join(', ')})` : ''}`);
      } else {
        // Same transport as the raw side (the private socket, trust); a URL, because a conninfo source does not connect (see the notes).
        const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
        const drill = await drillRound(url, dir, jobs);
        if (drill.verdict !== 'passed') throw new Error(`the drill's verdict is ${drill.verdict}`);
        drills.push(drill);
        say(`round ${round}: recoverable ${seconds(drill.totalMs)}${drill.maxRssKb === null ? '' : `, peak RSS ${mib(drill.maxRssKb)}`}`);
        if (values.verbose) say(`  (backup ${seconds(drill.backupMs)}, ${drill.phases.map((p) => `${p.name} ${seconds(p.durationMs)}`).join(', ')})`);
      }
      await rm(dir, { recursive: true, force: true });
      await run('sync', []); // the next side starts with no dirty pages of this one
    }
  }

  const rawMedian = median(raw.map((r) => r.totalMs));
  const drillMedian = median(drills.map((d) => d.totalMs));
  const ratio = drillMedian / rawMedian;
  say('');
  say(`dump: median of ${rounds} round(s): raw tools ${seconds(rawMedian)}, recoverable drill ${seconds(drillMedian)}`);
  say(timeAvailable ? `recoverable peak RSS (GNU time: node and the tools it waited for): ${mib(Math.max(...drills.map((d) => d.maxRssKb ?? 0)))}` : 'recoverable peak RSS: not measured (/usr/bin/time is not installed)');
  printPhases(raw, drills, ratio > TARGET);
  say(`dump ratio ${ratio.toFixed(2)}x (target <= ${TARGET.toFixed(2)}x): ${ratio <= TARGET ? 'ok' : 'OVER TARGET'}`);
  if (encrypted.length) printEncryptionCost(drills, encrypted);
}

// What encryption at rest adds to the same drill: encrypting at commit (inside the total) and decrypting before restore.
function printEncryptionCost(plain: DrillRun[], encrypted: DrillRun[]): void {
  const plainMedian = median(plain.map((d) => d.totalMs));
  const encryptedMedian = median(encrypted.map((d) => d.totalMs));
  const decrypt = median(encrypted.map((d) => d.phases.find((p) => p.name === 'decrypt')?.durationMs ?? 0));
  say(`encryption at rest: median drill ${seconds(encryptedMedian)} encrypted against ${seconds(plainMedian)} plain (${signed(encryptedMedian - plainMedian)}, ${((encryptedMedian / plainMedian - 1) * 100).toFixed(1)}%), of which decrypting the backup ${seconds(decrypt)}`);
}

// Phase by phase, medians: the drill's result.json phases against the raw steps that do the same work.
function printPhases(raw: RawTiming[], drills: DrillRun[], over: boolean): void {
  const phase = (d: DrillRun, name: string): number => d.phases.find((p) => p.name === name)?.durationMs ?? 0;
  const rows: Array<[string, (r: RawTiming) => number, (d: DrillRun) => number]> = [
    ['backup (snapshot, counts, dumps)', (r) => r.steps.backup ?? 0, (d) => d.backupMs],
    ['fetch/verify (manifest)', () => 0, (d) => phase(d, 'fetch/verify')],
    ['environment (initdb + start)', (r) => r.steps.environment ?? 0, (d) => phase(d, 'environment')],
    ['restore globals', (r) => r.steps['restore globals'] ?? 0, (d) => phase(d, 'restore globals')],
    ['pg_restore', (r) => r.steps.pg_restore ?? 0, (d) => phase(d, 'pg_restore')],
    ['analyze', (r) => r.steps.analyze ?? 0, (d) => phase(d, 'analyze')],
    ['checks (counts + fingerprints)', (r) => r.steps.checks ?? 0, (d) => phase(d, 'checks')],
    ['rest (createdb, stop+remove, process start, reports)', (r) => r.totalMs - sum(Object.entries(r.steps).filter(([k]) => !['createdb', 'dispose'].includes(k)).map(([, v]) => v)), (d) => d.totalMs - d.backupMs - sum(d.phases.map((p) => p.durationMs))],
  ];
  say('');
  const gaps = printPhaseTable(rows, raw, drills);
  if (!over) return;
  const budget = median(raw.map((r) => r.totalMs)) * 0.02;
  for (const [name, gap] of gaps.sort((a, b) => b[1] - a[1]).filter(([, g]) => g > budget)) say(`hint: ${name} costs ${signed(gap)} more than the raw tools`);
}

// Stop any server still running under `dir` (a drill that died before its own cleanup), then remove everything.
async function sweep(dir: string): Promise<void> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const file of files.filter((f) => basename(f) === 'postmaster.pid')) {
    await run(tool(bin, 'pg_ctl'), ['-D', dirname(join(dir, file)), '-m', 'immediate', '-w', '-t', '30', 'stop'], { user: clusterOsUser(), cleanup: true }).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function databaseSize(cluster: Cluster): Promise<string> {
  const client = await cluster.connect(DATABASE);
  try {
    return (await client.query<{ s: string }>('select pg_size_pretty(pg_database_size(current_database())) as s')).rows[0]!.s;
  } finally {
    await client.end();
  }
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: --${name} must be a whole number >= 1, got ${value}\n`);
    process.exit(2);
  }
  return n;
}
