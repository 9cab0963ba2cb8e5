import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultManagedMajor, DEFAULT_MANAGED_MAJOR } from '../../../src/scenario/managed-major.ts';

test('locally the newest supported installed major; majors outside 13 to 18 do not count', () => {
  assert.equal(defaultManagedMajor('local', [15, 17]), 17);
  assert.equal(defaultManagedMajor('local', [16]), 16);
  assert.equal(defaultManagedMajor('local', [19, 12, 14]), 14);
  assert.equal(defaultManagedMajor('local', [19, 12]), DEFAULT_MANAGED_MAJOR);
  assert.equal(defaultManagedMajor('local', []), DEFAULT_MANAGED_MAJOR);
});

test('in Docker the default major, whatever is installed locally', () => {
  assert.equal(DEFAULT_MANAGED_MAJOR, 15);
  assert.equal(defaultManagedMajor('docker', [18, 17]), 15);
});
