import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseEnvironment } from '../../../src/env/choose-environment.ts';

const missing = 'PostgreSQL 15 binaries are not installed: found none';

test('the flag wins over the scenario and over what is installed', () => {
  assert.deepEqual(
    chooseEnvironment({ written: 'docker', flag: 'local', localMissing: missing, engineAnswers: true }),
    { environment: 'local', fallback: null },
  );
  assert.deepEqual(chooseEnvironment({ written: 'local', flag: 'docker', localMissing: null, engineAnswers: false }), {
    environment: 'docker',
    fallback: null,
  });
  assert.deepEqual(
    chooseEnvironment({ written: 'local', flag: 'local', localMissing: missing, engineAnswers: true }),
    { environment: 'local', fallback: null },
    '--environment local insists',
  );
});

test('a local scenario stays local when its PostgreSQL is installed, even with an engine', () => {
  assert.deepEqual(chooseEnvironment({ written: 'local', localMissing: null, engineAnswers: true }), {
    environment: 'local',
    fallback: null,
  });
});

test('a local scenario without its PostgreSQL moves to Docker when an engine answers, saying why in one line', () => {
  const choice = chooseEnvironment({ written: 'local', localMissing: missing, engineAnswers: true });
  assert.equal(choice.environment, 'docker');
  assert.match(
    choice.fallback ?? '',
    /^no local PostgreSQL can run this scenario \(PostgreSQL 15 binaries are not installed: found none\): running it in Docker instead/,
  );
  assert.doesNotMatch(choice.fallback ?? '', /\n/);
});

test('without an engine it stays local, so the missing install is reported (exit 3)', () => {
  assert.deepEqual(chooseEnvironment({ written: 'local', localMissing: missing, engineAnswers: false }), {
    environment: 'local',
    fallback: null,
  });
});

test('a docker scenario is never moved', () => {
  assert.deepEqual(chooseEnvironment({ written: 'docker', localMissing: missing, engineAnswers: false }), {
    environment: 'docker',
    fallback: null,
  });
  assert.deepEqual(chooseEnvironment({ written: 'docker', localMissing: null, engineAnswers: true }), {
    environment: 'docker',
    fallback: null,
  });
});
