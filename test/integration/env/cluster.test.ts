// The local environment's promises: private 0700 dirs, loopback only, and nothing left after any exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stat, mkdtemp, rm, readdir, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../../src/env/cluster.ts';
import { requireBinaries } from '../../../src/env/binaries.ts';
import { LocalRuntime } from '../../../src/env/local-runtime.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { EnvironmentError } from '../../../src/core/errors.ts';

const bin = new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres']));
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-envtest-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a cluster lives in a 0700 directory, listens on loopback only, and is gone after dispose', async () => {
  const cluster = await Cluster.init(bin, { dataChecksums: true }, silentLogger());
  try {
    await cluster.start();
    assert.equal((await stat(cluster.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(cluster.dataDir)).mode & 0o777, 0o700);
    const client = await cluster.connect();
    try {
      const { rows } = await client.query(
        "select current_setting('listen_addresses') as l, current_setting('data_checksums') as c",
      );
      assert.equal(rows[0].l, '127.0.0.1');
      assert.equal(rows[0].c, 'on');
    } finally {
      await client.end();
    }
  } finally {
    await cluster.dispose();
  }
  assert.equal(existsSync(cluster.dir), false);
  assert.equal(await cluster.isRunning(), false);
});

test('an exception inside `await using` still stops the server and removes its files', async () => {
  let dir = '';
  await assert.rejects(async () => {
    await using cluster = await Cluster.init(bin, { dataChecksums: false }, silentLogger());
    dir = cluster.dir;
    await cluster.start();
    throw new Error('boom');
  }, /boom/);
  assert.equal(existsSync(dir), false);
  assert.deepEqual(await readdir(root), []);
});

test('a server that cannot start is an environment error quoting its log, and leaves nothing', async () => {
  const cluster = await Cluster.init(
    bin,
    { dataChecksums: false, settings: { shared_buffers: "'1TB'" } },
    silentLogger(),
  );
  try {
    await assert.rejects(cluster.start({ waitSeconds: 20 }), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.match(error.message, /did not start/);
      return true;
    });
  } finally {
    await cluster.dispose();
  }
  assert.deepEqual(await readdir(root), []);
});

test(
  'as root, a work directory the cluster user cannot enter is refused up front with what to do',
  { skip: process.getuid?.() === 0 ? false : 'only root switches to another user for clusters' },
  async () => {
    await chmod(root, 0o700);
    try {
      await assert.rejects(Cluster.init(bin, { dataChecksums: false }, silentLogger()), (error: unknown) => {
        assert.ok(error instanceof EnvironmentError);
        assert.match(error.message, /cannot enter/);
        assert.match(error.hint ?? '', /RECOVERABLE_WORK_DIR/);
        return true;
      });
    } finally {
      await chmod(root, 0o755);
    }
    assert.deepEqual(await readdir(root), []);
  },
);
