// Tests that drive another program (pgBackRest, Barman): skip visibly when it is not installed, fail in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * The skip reason for tests that need `command`, or false to run them. In CI (`CI` set) a missing program is not a
 * skip: one failing test says so, since `.ci/run` installs it.
 */
export function requireTool(command: string, versionArgs: readonly string[], install: string): string | false {
  try {
    execFileSync(command, versionArgs, { stdio: 'ignore' });
    return false;
  } catch {
    const reason = `${command} is not installed (${install}; .ci/run does)`;
    if (process.env.CI) test(`${command} is installed (required in CI)`, () => assert.fail(reason));
    return reason;
  }
}
