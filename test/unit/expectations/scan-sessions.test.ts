import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { scanOnSessions } from '../../../src/expectations/scan-sessions.ts';

const sessions = (n: number): pg.Client[] => Array.from({ length: n }, (_, i) => ({ id: i }) as unknown as pg.Client);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('every item is scanned once, side by side on every session, results in item order', async () => {
  const used = new Set<unknown>();
  let running = 0;
  let most = 0;
  const results = await scanOnSessions(sessions(3), [5, 1, 4, 2, 3, 0], async (session, item) => {
    used.add(session);
    most = Math.max(most, ++running);
    await delay(item * 3);
    running--;
    return item * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30, 0]);
  assert.equal(used.size, 3);
  assert.equal(most, 3, 'never more scans at once than sessions');
});

test('the first failing item in item order is thrown, whichever session met it first; no item starts after a failure', async () => {
  const started: number[] = [];
  await assert.rejects(
    scanOnSessions(sessions(2), [0, 1, 2, 3, 4, 5], async (_session, item) => {
      started.push(item);
      // Item 1 fails late, item 2 fails early: item 1's error is the one reported.
      if (item === 1) {
        await delay(30);
        throw new Error('cannot read 1');
      }
      if (item === 2) throw new Error('cannot read 2');
      await delay(5);
      return item;
    }),
    /cannot read 1/,
  );
  assert.deepEqual(started, [0, 1, 2]);
});

test('one session scans in order; no items, no scans', async () => {
  const order: number[] = [];
  await scanOnSessions(sessions(1), [3, 1, 2], async (_s, item) => order.push(item));
  assert.deepEqual(order, [3, 1, 2]);
  assert.deepEqual(await scanOnSessions(sessions(2), [], async () => 1), []);
});
