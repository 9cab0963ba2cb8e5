// Cluster.isRunning against a real pg_ctl: a pid file still empty is a server starting, a dead postmaster is stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster } from '../../src/env/cluster.ts';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { requireBinaries } from '../../src/env/binaries.ts';
import { silentLogger } from '../../src/core/log.ts';

test('isRunning: stopped without a pid file, starting with an empty one, stopped with a dead pid, running when up', async () => {
  await using cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres'])),
    { dataChecksums: false },
    silentLogger(),
  );
  const pidFile = join(cluster.dataDir, 'postmaster.pid');
  assert.equal(await cluster.isRunning(), false, 'no pid file');
  // pg_ctl status exits 1 here ("the PID file is empty"): the postmaster has created it and not yet written it.
  await writeFile(pidFile, '');
  assert.equal(await cluster.isRunning(), true, 'an empty pid file is a server starting');
  // No process has pid 2^22 + 1 (above Linux's pid_max default ceiling).
  await writeFile(pidFile, `${2 ** 22 + 1}\n${cluster.dataDir}\n`);
  assert.equal(await cluster.isRunning(), false, 'a pid file naming no live process');
  await writeFile(pidFile, 'garbage');
  assert.equal(await cluster.isRunning(), true, 'a pid file not yet readable is not a verdict of stopped');
  await rm(pidFile);
  await cluster.start();
  assert.equal(await cluster.isRunning(), true, 'a server up');
  await cluster.stop();
  assert.equal(await cluster.isRunning(), false, 'a server stopped');
});
