import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postmasterPidOf, probeSaysAlive, serverState } from '../../../src/env/server-state.ts';

test('pg_ctl status exit 0 is running, exit 3 is stopped, whatever the pid file says', () => {
  assert.equal(serverState({ statusExit: 0, pidLine: '' }), 'running');
  assert.equal(serverState({ statusExit: 3, pidLine: '4242' }), 'stopped');
  assert.equal(serverState({ statusExit: 3, pidLine: '' }), 'stopped');
});

test('a pid file gone is stopped, whatever pg_ctl said', () => {
  assert.equal(serverState({ statusExit: 1, pidLine: null }), 'stopped');
  assert.equal(serverState({ statusExit: undefined, pidLine: null }), 'stopped');
});

test('pg_ctl exit 1 on a pid file just created and still empty (or half written) is a server starting, not stopped', () => {
  assert.equal(serverState({ statusExit: 1, pidLine: '' }), 'running');
  assert.equal(serverState({ statusExit: 1, pidLine: '   ' }), 'running');
  assert.equal(serverState({ statusExit: 1, pidLine: '12a' }), 'running');
  assert.equal(serverState({ statusExit: 4, pidLine: '-1' }), 'running');
});

test('any other failure with a pid on the first line asks whether that postmaster is alive', () => {
  assert.deepEqual(serverState({ statusExit: 1, pidLine: '4242' }), { probe: 4242 });
  assert.deepEqual(serverState({ statusExit: 4, pidLine: ' 17 ' }), { probe: 17 });
  // A tool killed by a signal has no exit code: not a verdict either.
  assert.deepEqual(serverState({ statusExit: undefined, pidLine: '4242' }), { probe: 4242 });
});

test("the pid file's first line gives a pid only when it is a positive integer", () => {
  assert.equal(postmasterPidOf('4242'), 4242);
  assert.equal(postmasterPidOf('4242\r'), 4242);
  assert.equal(postmasterPidOf(''), null);
  assert.equal(postmasterPidOf('0'), null);
  assert.equal(postmasterPidOf('-5'), null);
  assert.equal(postmasterPidOf('1e3'), null);
  assert.equal(postmasterPidOf('99999999999999999999'), null);
});

test('a kill -0 that exits 1 is a dead postmaster; a probe that could not run (126, 127, killed) is not a verdict', () => {
  assert.equal(probeSaysAlive(1), false);
  assert.equal(probeSaysAlive(127), true);
  assert.equal(probeSaysAlive(126), true);
  assert.equal(probeSaysAlive(undefined), true);
});
