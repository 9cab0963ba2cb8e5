// The fingerprint section of `npm run bench`: how long the expectations of the whole database take (row counts,
// fingerprints, schema, roles, as a dump backup captures them in its snapshot) against `pg_dump -Fd -j N` reading it.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../src/env/cluster.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { captureExpectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import type { FingerprintAlgorithm } from '../src/expectations/row-hash.ts';
import { DATABASE } from './raw.ts';
import { judgeRatio } from './targets.ts';
import { median, say, seconds } from './util.ts';

export interface FingerprintOptions {
  rounds: number;
  jobs: number;
  /** Also time the md5-text algorithm (the old one), for comparison. */
  md5: boolean;
}

/** Each round: pg_dump alone, then the expectations alone (alternating order); judge the medians' ratio against `target`. */
export async function fingerprintBench(
  bin: PgBin,
  source: Cluster,
  work: string,
  options: FingerprintOptions,
  target: number,
): Promise<void> {
  say('');
  say(
    `fingerprint: each round pg_dump -Fd -j ${options.jobs} of the database alone, then its expectations alone (counts, fingerprints, schema, roles), alternating`,
  );
  const algorithms: FingerprintAlgorithm[] = options.md5 ? ['value-hash', 'md5-text'] : ['value-hash'];
  const timings = new Map<string, number[]>([['pg_dump', []], ...algorithms.map((a): [string, number[]] => [a, []])]);
  for (let round = 1; round <= options.rounds; round++) {
    const sides = ['pg_dump', ...algorithms];
    // Alternate which side goes first, so drift (cache, other load) does not favour one.
    for (const side of round % 2 ? sides : [...sides].reverse()) {
      const ms =
        side === 'pg_dump'
          ? await timeDump(bin, source, join(work, `dump-${round}`), options.jobs)
          : await timeCapture(source, side as FingerprintAlgorithm);
      timings.get(side)!.push(ms);
      say(`round ${round}: ${side.padEnd(10)} ${seconds(ms)}`);
    }
  }
  const dump = median(timings.get('pg_dump')!);
  for (const [side, ms] of timings)
    say(
      `median ${side.padEnd(10)} ${seconds(median(ms))}${side === 'pg_dump' ? '' : ` = ${(median(ms) / dump).toFixed(2)}x pg_dump`}`,
    );
  judgeRatio(
    `fingerprinting the whole database (value-hash) against pg_dump -Fd -j ${options.jobs}`,
    median(timings.get('value-hash')!),
    dump,
    target,
  );
}

async function timeDump(bin: PgBin, cluster: Cluster, dir: string, jobs: number): Promise<number> {
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
    const captured = await captureExpectations(client, {
      fingerprints: true,
      fingerprintAlgorithm: algorithm,
      largeObjectContent: true,
      matviewsAsRefreshed: true,
    });
    const ms = performance.now() - started;
    if (captured.tables.some((t) => t.fingerprint === null)) throw new Error(`a table has no ${algorithm} fingerprint`);
    await client.query('commit');
    return ms;
  } finally {
    await client.end();
  }
}
