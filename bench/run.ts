// `npm run bench`: the whole performance story of Recoverable on one pgbench database, each figure against its target.
// Sections (all by default; `--only a,b` picks some):
//   help         `recoverable --help` start-up time
//   fingerprint  the expectations of the whole database against pg_dump -Fd -j N reading it
//   dump         dump drill against the raw tools (same checks) and against the bare pg_dump + pg_restore; encryption's cost
//   physical     basebackup drill to `latest` against the raw tools and against the bare pg_basebackup + cp + recovery
//   peers        pgBackRest backup + restore + recovery of the same source (Debian's package; absent: says how to install)
//   pitr         an 8-target PITR drill against a 1-target drill of the same backup
// The restore copy's rate is judged against the disk's sequential write rate (dd) whenever physical or pitr runs, and the
// peak RSS of every Recoverable process of the run at the end.
// Usage: node bench/run.ts [--only SECTIONS] [--scale 20] [--rounds 3] [--jobs 2] [--verbose (each round's steps)]
//        [--cli built|source (default built: the drills run dist/cli/main.js, compiled by tsc at the start, as shipped;
//         source: src/cli/main.ts through Node's type stripping, which costs each process a few hundred ms)]
//        [--work-dir DIR (default: the system's temporary directory; put it on btrfs to judge a copy-on-write copy)]
//        fingerprint: [--md5 (also time the md5-text algorithm)]
//        dump: [--no-encryption (default: each round also drills with an encrypted repository, to measure its cost)]
//        physical, peers, pitr: [--transactions 2000 (pgbench, after each backup)]
//        physical: [--no-history (default: the drill gets exact expectations at latest and runs the same queries as the raw side)]
//                  [--cp-restore (diagnostic: the drill replays with restore_command cp, not recoverable fetch-wal)]
import { parseArgs } from 'node:util';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { requireBinaries, tool } from '../src/env/binaries.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { Cluster } from '../src/env/cluster.ts';
import { LocalRuntime } from '../src/env/local-runtime.ts';
import { run } from '../src/core/exec.ts';
import { silentLogger } from '../src/core/log.ts';
import { interruption } from '../src/core/interrupt.ts';
import { DATABASE } from './raw.ts';
import { childRuns, prepareCli, timeAvailable, type CliBuild } from './drill-child.ts';
import { dumpBench } from './dump.ts';
import { physicalBench, type PhysicalSide } from './physical.ts';
import { physicalSourceSettings } from './source-wal.ts';
import { pitrBench } from './pitr.ts';
import { fingerprintBench } from './fingerprint.ts';
import { pgbackrestVersion } from './pgbackrest.ts';
import { judgeCopies, sequentialWriteRate, type CopyTiming, type DiskRate } from './disk.ts';
import { judge, notMeasured, printTargetSummary } from './targets.ts';
import { say, seconds } from './util.ts';
import { benchHelp } from './help.ts';

// The targets (scale 50, 2 cores, medians); RAW is the earlier like-for-like target against the raw tools.
const TARGETS = {
  raw: 1.15,
  fingerprint: 0.8,
  dumpBare: 1.3,
  physicalBare: 1.5,
  peer: 1.5,
  pitr: 2,
  helpMs: 200,
  rssMb: 200,
};
const PG_MAJOR = 15;
const SECTIONS = ['help', 'fingerprint', 'dump', 'physical', 'peers', 'pitr'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  allowNegative: true,
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false },
    transactions: { type: 'string', default: '2000' },
    history: { type: 'boolean', default: true },
    'cp-restore': { type: 'boolean', default: false },
    encryption: { type: 'boolean', default: true },
    md5: { type: 'boolean', default: false },
    'work-dir': { type: 'string' },
    cli: { type: 'string', default: 'built' },
  },
});
const sections = chosenSections(values.only);
const scale = positive('scale', values.scale);
const rounds = positive('rounds', values.rounds);
const jobs = positive('jobs', values.jobs);
const transactions = positive('transactions', values.transactions);
const physicalSides = new Set<PhysicalSide>([
  ...(sections.has('physical') ? (['raw', 'bare'] as const) : []),
  ...(sections.has('peers') ? (['pgbackrest'] as const) : []),
]);
const wal = sections.has('physical') || sections.has('peers') || sections.has('pitr');
const needsSource = [...sections].some((s) => s !== 'help');
const cli = cliBuild(values.cli);

const bin = requireBinaries(PG_MAJOR, [
  'initdb',
  'pg_ctl',
  'postgres',
  'psql',
  'createdb',
  'pgbench',
  ...(sections.has('dump') || sections.has('fingerprint') ? ['pg_dump', 'pg_dumpall', 'pg_restore'] : []),
  ...(wal ? ['pg_basebackup', 'pg_verifybackup', 'pg_checksums', 'pg_controldata'] : []),
]);
interruption.install((code) => process.exit(code));
const work = await mkdtemp(join(values['work-dir'] ? resolve(values['work-dir']) : tmpdir(), 'recoverable-bench-'));
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
  const loadAtStart = loadavg()[0]!;
  say(
    `bench: sections ${[...sections].join(', ')}; pgbench scale ${scale}, ${rounds} round(s), jobs ${jobs}; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(2)} at start`,
  );
  // Start-up first, while the machine is quiet: the command line's own cost.
  if (sections.has('help')) benchHelp(TARGETS.helpMs);
  if (!needsSource) return summary(loadAtStart);
  if ([...sections].some((s) => s === 'dump' || s === 'physical' || s === 'pitr'))
    say(
      `recoverable runs as ${await prepareCli(cli)}${cli === 'built' ? ' (compiled from src/ by tsc at the start of this run, as package.json ships it)' : ' (src/ through type stripping; --cli built runs the shipped dist/)'}`,
    );
  const setupStarted = performance.now();
  // Archiving needs archive_mode, which only a (re)start applies: the physical settings go in before the first start.
  source = await Cluster.init(
    new LocalRuntime(bin),
    { dataChecksums: true, ...(wal ? { settings: physicalSourceSettings() } : {}) },
    silentLogger(),
  );
  await source.start();
  await run(tool(bin, 'createdb'), [`--maintenance-db=${source.conninfo('postgres')}`, DATABASE]);
  await run(tool(bin, 'pgbench'), ['-i', '-q', '-s', String(scale), source.conninfo(DATABASE)]);
  // Write the load out now, so a checkpoint or the kernel's writeback does not land inside a timed round.
  await run(tool(bin, 'psql'), ['-X', '-q', '-d', source.conninfo(DATABASE), '-c', 'CHECKPOINT']);
  await run('sync', []);
  say(
    `setup: PostgreSQL ${bin.version} source, pgbench -i -s ${scale} into "${DATABASE}" (${await databaseSize(source)}) in ${seconds(performance.now() - setupStarted)}`,
  );
  // The disk's own rate, measured before the drills load the machine further.
  const disk: DiskRate | null = wal ? await sequentialWriteRate(work) : null;

  if (sections.has('fingerprint'))
    await fingerprintBench(bin, source, work, { rounds, jobs, md5: values.md5 }, TARGETS.fingerprint);
  if (sections.has('dump'))
    await dumpBench(
      bin,
      source,
      work,
      { rounds, jobs, verbose: values.verbose, encryption: values.encryption },
      { raw: TARGETS.raw, bare: TARGETS.dumpBare },
    );
  const copies: CopyTiming[] = [];
  if (physicalSides.size) {
    const pgbackrest = sections.has('peers') ? await pgbackrestVersion() : null;
    const options = {
      rounds,
      verbose: values.verbose,
      transactions,
      history: values.history,
      cpRestore: values['cp-restore'],
      sides: physicalSides,
      pgbackrest,
    };
    copies.push(
      ...(await physicalBench(bin, source, work, options, {
        raw: TARGETS.raw,
        bare: TARGETS.physicalBare,
        peer: TARGETS.peer,
      })),
    );
  }
  // Last: it leaves marker rows and its schema on the source.
  if (sections.has('pitr'))
    copies.push(...(await pitrBench(bin, source, work, { rounds, transactions }, TARGETS.pitr)));
  if (disk) judgeCopies(copies, disk);
  judgePeakRss();
  return summary(loadAtStart);
}

// The largest peak RSS of any Recoverable process this run started (GNU time: node and the tools it waited for).
function judgePeakRss(): void {
  say('');
  const name = `peak RSS of a Recoverable process at scale ${scale}`;
  const target = `< ${TARGETS.rssMb} MB`;
  if (!timeAvailable) return notMeasured(name, '/usr/bin/time is not installed (apt-get install -y time)', target);
  const measured = childRuns.filter((r) => r.maxRssKb !== null && Number.isFinite(r.maxRssKb));
  if (!measured.length)
    return notMeasured(name, 'no drill ran in this run (run the dump, physical or pitr section)', target);
  const peak = measured.reduce((a, b) => (b.maxRssKb! > a.maxRssKb! ? b : a));
  const mb = (peak.maxRssKb! * 1024) / 1e6;
  judge(
    name,
    `${mb.toFixed(0)} MB (recoverable ${peak.command}, the largest of ${measured.length} processes)`,
    target,
    mb < TARGETS.rssMb,
  );
}

function summary(loadAtStart: number): number {
  printTargetSummary(
    `targets (PostgreSQL ${bin.version}, pgbench scale ${scale}, ${rounds} round(s), medians; load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end):`,
  );
  return 0;
}

function chosenSections(only: string | undefined): Set<Section> {
  if (only === undefined) return new Set(SECTIONS);
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length || !names.length) {
    process.stderr.write(`bench: --only takes a comma-separated list of ${SECTIONS.join(', ')}; got ${only}\n`);
    process.exit(2);
  }
  return new Set(names as Section[]);
}

// Stop any server still running under `dir` (a drill that died before its own cleanup), then remove everything.
async function sweep(dir: string): Promise<void> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const file of files.filter((f) => basename(f) === 'postmaster.pid')) {
    await run(tool(bin, 'pg_ctl'), ['-D', dirname(join(dir, file)), '-m', 'immediate', '-w', '-t', '30', 'stop'], {
      user: clusterOsUser(),
      cleanup: true,
    }).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function databaseSize(cluster: Cluster): Promise<string> {
  const client = await cluster.connect(DATABASE);
  try {
    return (await client.query<{ s: string }>('select pg_size_pretty(pg_database_size(current_database())) as s'))
      .rows[0]!.s;
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

function cliBuild(value: string): CliBuild {
  if (value === 'built' || value === 'source') return value;
  process.stderr.write(`bench: --cli takes built or source, got ${value}\n`);
  process.exit(2);
}
