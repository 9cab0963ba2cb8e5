// The docker runtime against a real engine: clusters run in a container of each image, errors are exit 3, nothing is left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { startDockerRuntime } from '../../../src/env/docker-runtime.ts';
import { LABEL } from '../../../src/env/docker-engine.ts';
import { Cluster } from '../../../src/env/cluster.ts';
import { containerIsolationCheck } from '../../../src/checks/isolation.ts';
import { abandoned } from '../../../src/cli/cleanup.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { EnvironmentError, ToolError } from '../../../src/core/errors.ts';
import { cli, NODE, ROOT } from '../../helpers/cli.ts';
import {
  dockerAvailable,
  requireDockerInCi,
  requireImage,
  containersOfRun,
  startLabelledContainer,
  removeIfPresent,
} from '../../helpers/docker.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const dockerSkip = requireDockerInCi(await dockerAvailable());
const MAJORS = [15, 17, 18] as const;
// 15 is the version CI builds first and the design's default: required there; newer majors run when present.
const imageSkip = new Map<number, string | false>();
for (const major of MAJORS)
  imageSkip.set(major, dockerSkip || (await requireImage(`postgres:${major}`, { requiredInCi: major === 15 })));
const anyImage = MAJORS.map((m) => `postgres:${m}`).find((_, i) => imageSkip.get(MAJORS[i]!) === false);
const anyImageSkip = dockerSkip || (anyImage ? false : 'no postgres:15, postgres:17 or postgres:18 image is present');

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-dockertest-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const runLabel = (what: string): string => `test-${what}-${randomBytes(4).toString('hex')}`;

for (const major of MAJORS) {
  test(
    `postgres:${major}: a cluster runs in the container, its tools fail as ToolError, and dispose leaves nothing`,
    { skip: imageSkip.get(major) ?? true },
    async (t) => {
      const label = runLabel(`pg${major}`);
      const started = performance.now();
      const runtime = await startDockerRuntime({ image: `postgres:${major}`, log: silentLogger(), runLabel: label });
      let firstConnectionMs: number;
      try {
        assert.equal(runtime.kind, 'docker');
        assert.equal(runtime.major, major);
        assert.match(runtime.version, new RegExp(`^${major}\\.\\d+$`));
        assert.match(runtime.describe(), new RegExp(`^docker postgres:${major} \\(PostgreSQL ${major}\\.\\d+\\)$`));
        assert.match(runtime.imageDigest, /sha256:[0-9a-f]{64}/);
        assert.ok(runtime.has('pg_restore'));
        assert.ok(runtime.has('initdb'));
        assert.equal(runtime.has('no_such_tool'), false);
        assert.ok(
          Number.isInteger(runtime.clusterUser.uid) && runtime.clusterUser.uid > 0,
          'postgres has a real, non-root uid in the image',
        );
        assert.deepEqual(await containersOfRun(label), [runtime.containerId]);

        const cluster = await Cluster.init(runtime, { dataChecksums: true }, silentLogger());
        try {
          await cluster.start();
          const client = await cluster.connect();
          firstConnectionMs = performance.now() - started;
          try {
            const { rows } = await client.query(
              "select version() as v, current_setting('data_checksums') as c, current_setting('listen_addresses') as l",
            );
            assert.match(rows[0].v, new RegExp(`^PostgreSQL ${major}\\.`));
            assert.equal(rows[0].c, 'on');
            assert.equal(rows[0].l, '127.0.0.1');
          } finally {
            await client.end();
          }
          // No network at all: the server cannot reach a listener on this host's loopback, and the check proves it.
          assert.equal(runtime.network, 'none');
          const isolation = await containerIsolationCheck(cluster, {
            kind: 'docker',
            version: major,
            network: runtime.network,
          });
          assert.equal(isolation?.status, 'passed', isolation?.message);
          assert.match(
            isolation!.message,
            /could not reach a listener at 127\.0\.0\.1:\d+ on this host, which saw no connection; the container has no network/,
          );
          assert.equal(
            (await stat(cluster.dataDir)).uid,
            runtime.clusterUser.uid,
            "the data dir belongs to the container's postgres",
          );
          assert.equal((await stat(cluster.dir)).mode & 0o777, 0o700);

          // Input reaches the tool; multi-byte output survives the exec stream's chunking.
          const answer = await runtime.tool('psql', ['-X', '-At', '-d', cluster.conninfo()], {
            input: 'select 40 + 2;\n',
          });
          assert.equal(answer.stdout, '42\n');
          const wide = await runtime.tool('psql', [
            '-X',
            '-At',
            '-d',
            cluster.conninfo(),
            '-c',
            "select repeat('é€', 100000)",
          ]);
          assert.equal(wide.stdout, `${'é€'.repeat(100000)}\n`);

          await assert.rejects(
            runtime.tool('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-d', cluster.conninfo(), '-c', 'select 1/0']),
            (error: unknown) => {
              assert.ok(error instanceof ToolError);
              assert.equal(error.command, 'psql');
              assert.equal(error.toolExitCode, 1);
              assert.match(error.stderrTail, /division by zero/);
              assert.match(error.stderr, /division by zero/);
              assert.equal(exitCodeOf(error.category), 1);
              return true;
            },
          );
        } finally {
          await cluster.dispose();
        }
        assert.equal(existsSync(cluster.dir), false);
      } finally {
        await runtime.dispose();
        await runtime.dispose(); // safe twice
      }
      t.diagnostic(
        `postgres:${major}: container ready in ${Math.round(runtime.startupMs)} ms, first connection ${Math.round(firstConnectionMs)} ms after startDockerRuntime()`,
      );
      assert.deepEqual(await containersOfRun(label), []);
      assert.equal(existsSync(runtime.workRoot()), false);
      assert.deepEqual(await readdir(root), []);
    },
  );
}

test(
  "the isolation check fails a container that shares the host's network: it reaches the host's loopback",
  { skip: anyImageSkip },
  async () => {
    const runtime = await startDockerRuntime({
      image: anyImage!,
      log: silentLogger(),
      runLabel: runLabel('reach'),
      network: 'host',
    });
    try {
      const cluster = await Cluster.init(runtime, { dataChecksums: false }, silentLogger());
      try {
        await cluster.start();
        const isolation = await containerIsolationCheck(cluster, {
          kind: 'docker',
          version: runtime.major,
          network: runtime.network,
        });
        assert.equal(isolation?.status, 'failed', isolation?.message);
        assert.match(
          isolation!.message,
          /the restored server reached a listener at 127\.0\.0\.1:\d+ on this host \(1 connection\(s\)\).*NetworkMode host/,
        );
      } finally {
        await cluster.dispose();
      }
    } finally {
      await runtime.dispose();
    }
  },
);

test(
  'a missing image that cannot be pulled is an environment error (exit 3) in bounded time, leaving nothing',
  { skip: dockerSkip },
  async () => {
    const label = runLabel('missing');
    const started = performance.now();
    await assert.rejects(
      startDockerRuntime({
        image: 'recoverable/postgres:99',
        log: silentLogger(),
        runLabel: label,
        pullTimeoutMs: 20_000,
      }),
      (error: unknown) => {
        assert.ok(error instanceof EnvironmentError);
        assert.equal(exitCodeOf(error.category), 3);
        assert.equal(error.code, 'docker-image-missing');
        assert.equal(error.message, 'image recoverable/postgres:99 is not present and could not be pulled');
        assert.equal(
          error.hint,
          '`docker pull recoverable/postgres:99`, or build one with PostgreSQL on PATH and set restore.image',
        );
        return true;
      },
    );
    assert.ok(performance.now() - started < 30_000);
    assert.deepEqual(await containersOfRun(label), []);
    assert.deepEqual(await readdir(root), []);
  },
);

test('an engine that does not answer is an environment error (exit 3) naming the socket and what to do', async () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
  try {
    await assert.rejects(startDockerRuntime({ image: 'postgres:15', log: silentLogger() }), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.equal(exitCodeOf(error.category), 3);
      assert.equal(error.message, 'Docker engine is not reachable at /nonexistent/docker.sock');
      assert.equal(
        error.hint,
        'start it (e.g. `systemctl start docker` or `dockerd`), or use restore.environment: local',
      );
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
  assert.deepEqual(await readdir(root), []);
});

test(
  'Ctrl-C stops the server, removes the container and the work dir, and exits 130',
  { skip: anyImageSkip },
  async () => {
    const label = runLabel('sigint');
    const code = `
    import { interruption } from '${ROOT}src/core/interrupt.ts';
    import { startDockerRuntime } from '${ROOT}src/env/docker-runtime.ts';
    import { Cluster } from '${ROOT}src/env/cluster.ts';
    import { silentLogger } from '${ROOT}src/core/log.ts';
    interruption.install();
    const runtime = await startDockerRuntime({ image: '${anyImage}', log: silentLogger(), runLabel: '${label}' });
    const cluster = await Cluster.init(runtime, { dataChecksums: false }, silentLogger());
    await cluster.start();
    process.stdout.write('ready ' + runtime.workRoot() + '\\n');
    setInterval(() => {}, 1000);
  `;
    const child = execa(NODE, ['--input-type=module', '-e', code], {
      env: { RECOVERABLE_WORK_DIR: root },
      reject: false,
    });
    let workDir = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /ready (\S+)/.exec(chunk.toString());
        if (match) {
          workDir = match[1]!;
          resolve();
        }
      });
      void child.then((r) => reject(new Error(`child ended before ready: ${r.stderr}`)));
    });
    assert.equal((await containersOfRun(label)).length, 1);
    child.kill('SIGINT');
    const result = await child;
    assert.equal(result.exitCode, 130, String(result.stderr));
    assert.deepEqual(await containersOfRun(label), []);
    assert.equal(existsSync(workDir), false);
    assert.deepEqual(await readdir(root), []);
  },
);

test(
  '`recoverable cleanup` removes the container and work dir of a dead run, and keeps a live one',
  { skip: anyImageSkip },
  async () => {
    const dead = spawn('true');
    await once(dead, 'exit');
    const deadRun = runLabel('dead');
    const liveRun = runLabel('live');
    const deadWorkDir = join(root, `recoverable-docker-${randomBytes(4).toString('hex')}`);
    await mkdir(deadWorkDir);
    await writeFile(join(deadWorkDir, 'left-behind'), 'x');
    const deadId = await startLabelledContainer(anyImage!, {
      [LABEL.pid]: String(dead.pid),
      [LABEL.host]: hostname(),
      [LABEL.run]: deadRun,
      [LABEL.workDir]: deadWorkDir,
    });
    const liveId = await startLabelledContainer(anyImage!, {
      [LABEL.pid]: String(process.pid),
      [LABEL.host]: hostname(),
      [LABEL.run]: liveRun,
    });
    try {
      const result = await cli(['cleanup']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(
          `removed container ${deadId.slice(0, 12)} \\(${anyImage}, run ${deadRun}, pid ${dead.pid} on ${hostname()}\\) and ${deadWorkDir}`,
        ),
      );
      assert.doesNotMatch(result.stdout, new RegExp(liveId.slice(0, 12)));
      assert.deepEqual(await containersOfRun(deadRun), []);
      assert.equal(existsSync(deadWorkDir), false);
      assert.deepEqual(await containersOfRun(liveRun), [liveId]);
    } finally {
      await removeIfPresent(deadId);
      await removeIfPresent(liveId);
    }
  },
);

test('cleanup chooses containers of this host whose process is gone, or every one with --all', () => {
  const c = (id: string, labels: Record<string, string>) => ({
    id,
    image: 'postgres:17',
    state: 'running',
    labels: { [LABEL.owner]: 'true', ...labels },
  });
  const containers = [
    c('dead', { [LABEL.pid]: '11', [LABEL.host]: 'here' }),
    c('live', { [LABEL.pid]: '12', [LABEL.host]: 'here' }),
    c('elsewhere', { [LABEL.pid]: '11', [LABEL.host]: 'there' }),
    c('no-pid', { [LABEL.host]: 'here' }),
  ];
  const isAlive = (pid: number) => pid === 12;
  assert.deepEqual(
    abandoned(containers, { all: false, host: 'here', isAlive }).map((x) => x.id),
    ['dead'],
  );
  assert.deepEqual(
    abandoned(containers, { all: true, host: 'here', isAlive }).map((x) => x.id),
    ['dead', 'live', 'elsewhere', 'no-pid'],
  );
});
