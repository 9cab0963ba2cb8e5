// `node bench/fingerprint.ts`: how long the expectations of a whole pgbench database take (row counts, fingerprints,
// schema, roles, as a dump backup captures them in its snapshot) against `pg_dump -Fd -j N` reading the same database.
// Usage: node bench/fingerprint.ts [--scale 50] [--rounds 3] [--jobs 2] [--md5 (also time the md5-text algorithm)]
import { parseArgs } from 'node:util';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { requireBinaries, tool } from '../src/env/binaries.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { Cluster } from '../src/env/cluster.ts';
import { LocalRuntime } from '../src/env/local-runtime.ts';
import { run } from '../src/core/exec.ts';
import { silentLogger } from '../src/core/log.ts';
import { captureExpectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import type { FingerprintAlgorithm } from '../src/expectations/row-hash.ts';
import { median, say, seconds } from './util.ts';

const TARGET = 0.8;
const DATABASE = 'bench';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '50' }, rounds: { type: 'string', default: '3' }, jobs: { type: 'string', default: '2' }, md5: { type: 'boolean', default: false } },
});
const scale = positive('scale', values.scale);
const rounds = positive('rounds', values.rounds);
const jobs = positive('jobs', values.jobs);

const bin = requireBinaries(15, ['initdb', 'pg_ctl', 'postgres', 'psql', 'createdb', 'pgbench', 'pg_dump']);
const work = await mkdtemp(join(tmpdir(), 'recoverable-bench-fp-'));
await chmod(work, 0o711); // the postgres OS user must reach the cluster inside
process.env.RECOVERABLE_WORK_DIR = work;
let source: Cluster | undefined;
try {
  await main();
} catch (error) {
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await source?.dispose();
  await sweep(work);
}

async function main(): Promise<void> {
  source = await Cluster.init(new LocalRuntime(bin), { dataChecksums: true }, silentLogger());
  await source.start();
  await run(tool(bin, 'createdb'), [`--maintenance-db=${source.conninfo('postgres')}`, DATABASE]);
  await run(tool(bin, 'pgbench'), ['-i', '-q', '-s', String(scale), source.conninfo(DATABASE)]);
  await run(tool(bin, 'psql'), ['-X', '-q', '-d', source.conninfo(DATABASE), '-c', 'CHECKPOINT']);
  await run('sync', []);
  say(`PostgreSQL ${bin.version}, pgbench -i -s ${scale}; each round: pg_dump -Fd -j ${jobs} alone, then the expectations alone (alternating order)`);
  const algorithms: FingerprintAlgorithm[] = values.md5 ? ['value-hash', 'md5-text'] : ['value-hash'];
  const timings = new Map<string, number[]>([['pg_dump', []], ...algorithms.map((a): [string, number[]] => [a, []])]);
  for (let round = 1; round <= rounds; round++) {
    const sides = ['pg_dump', ...algorithms];
    // Alternate which side goes first, so drift (cache, other load) does not favour one.
    for (const side of round % 2 ? sides : [...sides].reverse()) {
      const ms = side === 'pg_dump' ? await timeDump(source, join(work, `dump-${round}`)) : await timeCapture(source, side as FingerprintAlgorithm);
      timings.get(side)!.push(ms);
      say(`round ${round}: ${side.padEnd(10)} ${seconds(ms)}`);
    }
  }
  const dump = median(timings.get('pg_dump')!);
  say('');
  for (const [side, ms] of timings) say(`median ${side.padEnd(10)} ${seconds(median(ms))}${side === 'pg_dump' ? '' : ` = ${(median(ms) / dump).toFixed(2)}x pg_dump`}`);
  const ratio = median(timings.get('value-hash')!) / dump;
  say(`expectations (value-hash) ${ratio.toFixed(2)}x pg_dump -Fd -j ${jobs} (target <= ${TARGET.toFixed(2)}x): ${ratio <= TARGET ? 'ok' : 'OVER TARGET'}`);
}

async function timeDump(cluster: Cluster, dir: string): Promise<number> {
  const started = performance.now();
  await run(tool(bin, 'pg_dump'), ['-Fd', '-j', String(jobs), '-d', cluster.conninfo(DATABASE), '-f', dir]);
  const ms = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  return ms;
}

// As a dump backup captures them: in a repeatable-read snapshot, every table counted and hashed.
async function timeCapture(cluster: Cluster, algorithm: FingerprintAlgorithm): Promise<number> {
  const client = await cluster.connect(DATABASE);
  try {
    await client.query('begin isolation level repeatable read read only');
    await pinSession(client);
    const started = performance.now();
    const captured = await captureExpectations(client, { fingerprints: true, fingerprintAlgorithm: algorithm, largeObjectContent: true, matviewsAsRefreshed: true });
    const ms = performance.now() - started;
    if (captured.tables.some((t) => t.fingerprint === null)) throw new Error(`a table has no ${algorithm} fingerprint`);
    await client.query('commit');
    return ms;
  } finally {
    await client.end();
  }
}

async function sweep(dir: string): Promise<void> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const file of files.filter((f) => basename(f) === 'postmaster.pid')) {
    await run(tool(bin, 'pg_ctl'), ['-D', dirname(join(dir, file)), '-m', 'immediate', '-w', '-t', '30', 'stop'], { user: clusterOsUser(), cleanup: true }).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: --${name} must be a whole number >= 1, got ${value}\n`);
    process.exit(2);
  }
  return n;
}
