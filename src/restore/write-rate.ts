// The sequential write rate of a filesystem, measured by writing and syncing a probe file there: the price of a full copy.
import { randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const PROBE_BYTES = 32 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

// One probe per filesystem per process: each target of a drill would otherwise pay it again.
const measured = new Map<number, number>();

/** Bytes per second written and synced to the filesystem holding `dir` (a probe file there, removed after). */
export async function measureWriteRate(dir: string): Promise<number> {
  const device = (await stat(dir)).dev;
  const known = measured.get(device);
  if (known) return known;
  const file = join(dir, `.write-probe-${randomBytes(6).toString('hex')}`);
  // Random bytes: a compressing or deduplicating filesystem would price zeros too cheaply.
  const chunk = randomBytes(CHUNK_BYTES);
  const handle = await open(file, 'wx', 0o600);
  let seconds: number;
  try {
    const started = performance.now();
    for (let written = 0; written < PROBE_BYTES; written += CHUNK_BYTES) await handle.write(chunk);
    await handle.datasync();
    seconds = (performance.now() - started) / 1000;
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
  const rate = PROBE_BYTES / seconds;
  measured.set(device, rate);
  return rate;
}
