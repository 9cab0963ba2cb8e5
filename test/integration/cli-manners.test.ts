// Help that shows how, and a hint for a mistyped command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.ts';

const COMMANDS = [
  'drill',
  'backup',
  'list',
  'prune',
  'report',
  'init',
  'schema',
  'doctor',
  'archive-wal',
  'fetch-wal',
  'verify-wal',
  'selftest',
  'cleanup',
  'history',
  'status',
  'verify-evidence',
];

test('every command lists the commands in --help, and its own --help shows examples of it', async () => {
  const top = await cli(['--help']);
  assert.equal(top.exitCode, 0);
  for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`recoverable ${command}\\b`), command);
  const helps = await Promise.all(COMMANDS.map((command) => cli([command, '--help'])));
  helps.forEach((help, index) => {
    const command = COMMANDS[index]!;
    assert.equal(help.exitCode, 0, `${command}: ${help.stderr}`);
    const examples = help.stdout.slice(help.stdout.indexOf('\nExamples:\n'));
    assert.ok(help.stdout.includes('\nExamples:\n'), `${command} --help has examples`);
    assert.match(examples, new RegExp(`^  recoverable ${command}\\b`, 'm'), `${command}: an example runs it`);
  });
});

test('a mistyped command exits 2 naming what was typed and the command meant', async () => {
  const run = await cli(['drll', 'scenarios/quickstart.yaml']);
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /^recoverable: unknown command "drll": did you mean drill\?$/m);
  const far = await cli(['xyzzy']);
  assert.equal(far.exitCode, 2);
  assert.doesNotMatch(far.stderr, /did you mean/);
});
