// Running a tool: output kept byte for byte, every way it can fail named as a ToolError, nothing left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/core/exec.ts';
import { ToolError } from '../../../src/core/errors.ts';

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

test('stdout and stderr come back whole, final newlines included', async () => {
  const result = await run('sh', ['-c', 'printf "a\\nb\\n"; printf "warn\\n" >&2']);
  assert.equal(result.stdout, 'a\nb\n');
  assert.equal(result.stderr, 'warn\n');
  assert.ok(result.durationMs > 0);
});

test('input reaches stdin; a command that never reads it still finishes', async () => {
  assert.equal((await run('cat', [], { input: 'line 1\nline 2' })).stdout, 'line 1\nline 2');
  const unread = await run('true', [], { input: 'x'.repeat(4 << 20) });
  assert.equal(unread.stdout, '');
});

test('the environment extends this process’s; cwd is honoured', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-exec-'));
  try {
    const { stdout } = await run('sh', ['-c', 'printf "%s|%s|%s" "$EXTRA" "$PATH" "$(pwd)"'], {
      env: { EXTRA: 'yes' },
      cwd: dir,
    });
    assert.equal(stdout, `yes|${process.env.PATH}|${dir}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a non-zero exit throws naming the tool, its exit code and the end of its stderr', async () => {
  const error = await failure(
    run('sh', ['-c', 'echo "first line" >&2; echo "FATAL: it broke" >&2; exit 3'], { label: 'pg_tool' }),
  );
  assert.equal(error.command, 'pg_tool');
  assert.equal(error.toolExitCode, 3);
  assert.match(error.message, /^pg_tool exited with code 3: .*FATAL: it broke/s);
  assert.equal(error.stderr, 'first line\nFATAL: it broke\n');
});

test('with nothing on stderr, stdout is the tail; with neither, the failure itself', async () => {
  const quiet = await failure(run('sh', ['-c', 'echo "only stdout"; exit 1']));
  assert.match(quiet.stderrTail, /only stdout/);
  const silent = await failure(run('sh', ['-c', 'exit 4']));
  assert.match(silent.stderrTail, /exit code 4/);
});

test('a command killed by a signal has no exit code and names the signal', async () => {
  const error = await failure(run('sh', ['-c', 'kill -KILL $$']));
  assert.equal(error.toolExitCode, undefined);
  assert.match(error.message, /was killed by SIGKILL/);
});

test('a missing binary is a ToolError naming it, not a crash', async () => {
  const error = await failure(run('/nonexistent/pg_nothing', ['--version']));
  assert.equal(error.toolExitCode, undefined);
  assert.match(error.stderrTail, /ENOENT/);
  assert.match(error.stderrTail, /\/nonexistent\/pg_nothing/);
});

test('a command past its timeout is stopped (no exit code, killed, at least the timeout long)', async () => {
  const error = await failure(run('sleep', ['30'], { timeoutMs: 200 }));
  assert.equal(error.toolExitCode, undefined);
  assert.match(error.message, /was killed by SIGTERM/);
  assert.ok(error.durationMs >= 200 && error.durationMs < 5_000, String(error.durationMs));
});

test('a command that ignores SIGTERM after its timeout is killed all the same', async () => {
  const started = performance.now();
  const error = await failure(run('sh', ['-c', 'trap "" TERM; while :; do sleep 0.1; done'], { timeoutMs: 100 }));
  assert.equal(error.toolExitCode, undefined);
  assert.match(error.message, /was killed by SIGKILL/);
  assert.ok(performance.now() - started < 10_000);
});

test('output past the limit fails the command instead of filling memory', { timeout: 60_000 }, async () => {
  // 300 MiB of zeros on stdout: more than any tool's output is ever kept.
  const error = await failure(run('head', ['-c', String(300 * 1024 * 1024), '/dev/zero']));
  assert.ok(/stdout exceeded/.test(error.stderrTail), error.stderrTail.slice(0, 200));
  assert.ok(error.stdout.length <= 256 * 1024 * 1024);
});

test('as root, a command runs as the given OS user', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const { stdout } = await run('id', ['-u'], { user: { uid, gid, name: 'postgres' } });
  assert.equal(stdout.trim(), String(uid));
});

test('a tool still running when the process exits is stopped with it; a detached one is left to its owner', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-exec-'));
  try {
    const exec = fileURLToPath(new URL('../../../src/core/exec.ts', import.meta.url));
    const script = `
      import { run } from ${JSON.stringify(exec)};
      import { existsSync } from 'node:fs';
      const dir = ${JSON.stringify(dir)};
      void run('sh', ['-c', 'echo $$ > ' + dir + '/attached; exec sleep 30']);
      void run('sh', ['-c', 'echo $$ > ' + dir + '/detached; exec sleep 30'], { detached: true });
      while (!existsSync(dir + '/attached') || !existsSync(dir + '/detached')) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50));
      process.exit(0);
    `;
    execFileSync(process.execPath, ['--input-type=module', '-e', script]);
    const pid = async (name: string) => Number((await readFile(join(dir, name), 'utf8')).trim());
    const alive = (p: number) => existsSync(`/proc/${p}`) && !/\) Z /.test(readProcStat(p));
    const attached = await pid('attached');
    const detached = await pid('detached');
    for (let i = 0; i < 50 && alive(attached); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(attached), false, 'the attached tool outlived the process');
    assert.equal(alive(detached), true, 'the detached tool was stopped with the process');
    process.kill(detached, 'SIGKILL');
    await stat(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function readProcStat(pid: number): string {
  try {
    return execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  } catch {
    return ') Z ';
  }
}
