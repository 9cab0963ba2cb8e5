import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUserCommand, UserCommandError } from '../../../src/backup/external/user-command.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

test('a failing user command is an error quoting its exit code and stderr, with passwords masked', async () => {
  const failed = await runUserCommand(
    'the external restore command',
    'echo "connecting to postgresql://backup:s3cret@db/app" >&2; echo "ERROR: [055]: unable to open missing file" >&2; exit 55',
    {},
    10_000,
  ).catch((e: unknown) => e);
  assert.ok(failed instanceof UserCommandError);
  assert.equal(exitCodeOf(failed.category), 1, 'the drill fails (exit 1), it is not a usage error');
  assert.equal(failed.commandExitCode, 55);
  assert.match(
    failed.message,
    /^the external restore command exited with code 55: connecting to postgresql:\/\/backup:\*\*\*@db\/app\nERROR: \[055\]: unable to open missing file$/,
  );
  assert.ok(!failed.message.includes('s3cret'));
});

test('inputs reach the command as environment variables, never spliced into it', async () => {
  const failed = await runUserCommand(
    'probe',
    'printf %s "$RECOVERABLE_PGDATA" >&2; exit 1',
    { RECOVERABLE_PGDATA: "/tmp/a b'; rm -rf /" },
    10_000,
  ).catch((e: unknown) => e);
  assert.ok(failed instanceof UserCommandError);
  assert.equal(failed.stderrTail, "/tmp/a b'; rm -rf /");
});

test('a command past its timeout is killed and said so', async () => {
  const failed = await runUserCommand('slow', 'sleep 5', {}, 200).catch((e: unknown) => e);
  assert.ok(failed instanceof UserCommandError);
  assert.match(failed.message, /^slow did not finish within 0.2 s and was killed/);
});
