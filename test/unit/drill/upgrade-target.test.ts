import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeNeedsNewerMajor } from '../../../src/drill/upgrade-target.ts';
import { ScenarioError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

test("a url source's backup is upgraded only into a newer major: otherwise exit 2 naming the field and the fix", () => {
  assert.doesNotThrow(() => upgradeNeedsNewerMajor({ to: 17, mode: 'link' }, 15));
  for (const from of [17, 18]) {
    assert.throws(
      () => upgradeNeedsNewerMajor({ to: 17, mode: 'link' }, from),
      (error: unknown) => {
        assert.ok(error instanceof ScenarioError);
        assert.equal(exitCodeOf(error.category), 2);
        assert.deepEqual(
          error.issues.map((i) => i.path),
          ['restore.upgrade.to'],
        );
        assert.match(error.issues[0]!.fix, new RegExp(`above ${from}`));
        return true;
      },
    );
  }
});
