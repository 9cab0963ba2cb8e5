import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlongsideCopy } from '../../../src/restore/alongside.ts';
import type { Clock } from '../../../src/core/clock.ts';

// A clock the test moves by hand.
function handClock(): Clock & { advance(ms: number): void } {
  let now = 1000;
  return {
    now: () => now,
    date: () => new Date(0),
    sleep: async () => undefined,
    advance: (ms) => {
      now += ms;
    },
  };
}

// A promise the test settles by hand.
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('the first restore waits for the work after its copy and counts only that wait; later restores count the same', async () => {
  const clock = handClock();
  const work = deferred<string>();
  const alongside = new AlongsideCopy('pg_verifybackup', clock, () => work.promise);
  clock.advance(700); // the copy: the work runs beside it
  const phase = alongside.phaseAfterCopy(clock);
  clock.advance(200); // the wait once the copy is made
  work.resolve('verified');
  assert.deepEqual(await phase, {
    name: 'pg_verifybackup',
    durationMs: 200,
    alongside: { phase: 'copy', ranMs: 900 },
  });
  clock.advance(5000);
  assert.deepEqual(await alongside.phaseAfterCopy(clock), await phase, 'a later restore counts the measured wait');
  assert.equal(await alongside.result(), 'verified');
});

test('work done before the copy ends costs the restore no wait', async () => {
  const clock = handClock();
  const alongside = new AlongsideCopy('pg_verifybackup', clock, async () => {
    clock.advance(300);
    return 1;
  });
  await alongside.result();
  clock.advance(2000);
  assert.deepEqual(await alongside.phaseAfterCopy(clock), {
    name: 'pg_verifybackup',
    durationMs: 0,
    alongside: { phase: 'copy', ranMs: 300 },
  });
});

test('work that fails: the restore still counts its wait, with no duration of its own; the drill gets the error', async () => {
  const clock = handClock();
  const work = deferred<number>();
  const alongside = new AlongsideCopy('pg_verifybackup', clock, () => work.promise);
  const phase = alongside.phaseAfterCopy(clock);
  clock.advance(50);
  work.reject(new Error('no image'));
  assert.deepEqual(await phase, { name: 'pg_verifybackup', durationMs: 50, alongside: { phase: 'copy' } });
  await assert.rejects(alongside.result(), /no image/);
});

test('work that fails while nobody waits for it is not an unhandled rejection', async () => {
  const clock = handClock();
  const unhandled: unknown[] = [];
  const listen = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', listen);
  try {
    const alongside = new AlongsideCopy('pg_verifybackup', clock, () => Promise.reject(new Error('engine down')));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
    await assert.rejects(alongside.result(), /engine down/);
  } finally {
    process.off('unhandledRejection', listen);
  }
});
