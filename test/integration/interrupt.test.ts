// Ctrl-C and SIGTERM in the middle of a drill: exit 130, nothing left running or on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  await ws.dispose();
});

// Start a drill and send `signal` as soon as a log line matches `when`; resolve with the exit code.
async function interruptAt(
  file: string,
  when: RegExp,
  signal: NodeJS.Signals,
): Promise<{ exitCode: number | undefined; sent: boolean; log: string }> {
  const child = startCli(['drill', file, '--log-format', 'json'], { cwd: ws.dir, env: ws.env });
  let sent = false;
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (!sent && log.split('\n').some((line) => when.test(line))) {
      sent = true;
      child.kill(signal);
    }
  });
  const result = await child;
  return { exitCode: result.exitCode, sent, log };
}

test('SIGINT in the middle of the restore exits 130 and leaves no server, directory or port behind', async () => {
  const file = await ws.scenario('sigint.yaml', dumpScenario(ws, { name: 'sigint', transactions: 300 }));
  const { exitCode, sent, log } = await interruptAt(file, /"msg":"pg_restore (--create )?-j/, 'SIGINT');
  assert.ok(sent, `the restore was reached before the signal\n${log}`);
  assert.equal(exitCode, 130, log);
  assert.deepEqual(await ws.leftoverDirs(), []);
  assert.deepEqual(ws.leftoverProcesses(), []);
});

test('SIGTERM during the dump exits 130 and leaves no partial backup in the repository', async () => {
  const repository = join(ws.dir, 'repo-sigterm');
  const file = await ws.scenario('sigterm.yaml', dumpScenario(ws, { name: 'sigterm', repository }));
  const { exitCode, sent, log } = await interruptAt(file, /"msg":"dumping /, 'SIGTERM');
  assert.ok(sent, log);
  assert.equal(exitCode, 130, log);
  const backups = join(repository, 'backups');
  assert.deepEqual(
    existsSync(backups) ? await readdir(backups) : [],
    [],
    'neither a complete nor an incomplete backup remains',
  );
  assert.deepEqual(await ws.leftoverDirs(), [], log);
  assert.deepEqual(ws.leftoverProcesses(), []);
});
