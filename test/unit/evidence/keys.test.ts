// Keys: read from a file or a variable (PEM or path), Ed25519 only, never from inside the repository, fingerprinted stably.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, ScenarioError } from '../../../src/core/errors.ts';
import { keyFingerprint, loadSigningKey, loadVerifyKey } from '../../../src/evidence/keys.ts';
import { resolveEvidenceKeys } from '../../../src/evidence/scenario-keys.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const dir = await mkdtemp(join(tmpdir(), 'recoverable-keys-'));
after(() => rm(dir, { recursive: true, force: true }));
const pair = generateKeyPairSync('ed25519');
const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
await writeFile(join(dir, 'signing.pem'), privatePem, { mode: 0o600 });
await writeFile(join(dir, 'verify.pem'), publicPem);
const repository = join(dir, 'repo');
await mkdir(repository);
const options = { yamlPath: 'evidence.signingKey', repository };

test('the fingerprint is the SHA-256 of the raw 32-byte public key, as the DER tail holds it', () => {
  const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  assert.equal(keyFingerprint(pair.publicKey), createHash('sha256').update(raw).digest('hex'));
  assert.notEqual(keyFingerprint(generateKeyPairSync('ed25519').publicKey), keyFingerprint(pair.publicKey));
});

test('a signing key from a file derives the same public key and fingerprint as the verify key file', () => {
  const signer = loadSigningKey({ file: join(dir, 'signing.pem') }, options);
  const verifier = loadVerifyKey({ file: join(dir, 'verify.pem') }, { ...options, yamlPath: 'evidence.verifyKey' });
  assert.equal(signer.fingerprint, verifier.fingerprint);
});

test('a variable may hold the PEM itself or a path to it', () => {
  const env = { INLINE: privatePem, PATHED: join(dir, 'signing.pem') };
  const inline = loadSigningKey({ env: 'INLINE' }, { ...options, env });
  const pathed = loadSigningKey({ env: 'PATHED' }, { ...options, env });
  assert.equal(inline.fingerprint, pathed.fingerprint);
});

test('an unset variable, a missing file, a public key offered to sign, and an RSA key are exit 2 naming the field', () => {
  const refusals: Array<[() => unknown, RegExp]> = [
    [
      () => loadSigningKey({ env: 'NOT_SET_ANYWHERE' }, { ...options, env: {} }),
      /evidence\.signingKey: environment variable NOT_SET_ANYWHERE is not set/,
    ],
    [() => loadSigningKey({ file: join(dir, 'absent.pem') }, options), /cannot read key file .*absent\.pem: ENOENT/],
    [() => loadSigningKey({ file: join(dir, 'verify.pem') }, options), /does not hold a private key/],
  ];
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  refusals.push([() => loadSigningKey({ env: 'RSA' }, { ...options, env: { RSA: rsa } }), /is a rsa key, not Ed25519/]);
  for (const [load, message] of refusals) {
    assert.throws(
      load,
      (error: unknown) =>
        error instanceof ScenarioError && exitCodeOf(error.category) === ExitCode.usage && message.test(error.message),
    );
  }
});

test('a key file inside the repository is refused, also through a symlink from outside', async () => {
  await writeFile(join(repository, 'signing.pem'), privatePem);
  await symlink(join(repository, 'signing.pem'), join(dir, 'link.pem'));
  for (const file of [join(repository, 'signing.pem'), join(dir, 'link.pem')]) {
    assert.throws(
      () => loadSigningKey({ file }, options),
      (error: unknown) => error instanceof ScenarioError && /is inside the repository/.test(error.message),
    );
  }
  assert.throws(
    () => loadVerifyKey({ env: 'K' }, { ...options, env: { K: join(repository, 'signing.pem') } }),
    /is inside the repository/,
  );
});

test('scenario keys: the verify key defaults to the signing key; require: signed without any key is refused', () => {
  const base = { repository, backup: { method: 'dump' as const, jobs: 2, archiveTimeoutMs: 1, use: 'latest' } };
  const fromSigner = resolveEvidenceKeys(
    { ...base, evidence: { signingKey: { file: join(dir, 'signing.pem') }, require: 'any' } },
    {},
  );
  assert.equal(fromSigner.verifier?.fingerprint, fromSigner.signer?.fingerprint);
  const verifyOnly = resolveEvidenceKeys(
    { ...base, evidence: { require: 'signed' } },
    { RECOVERABLE_VERIFY_KEY: join(dir, 'verify.pem') },
  );
  assert.equal(verifyOnly.signer, null);
  assert.equal(verifyOnly.verifier?.fingerprint, keyFingerprint(pair.publicKey));
  assert.throws(
    () => resolveEvidenceKeys({ ...base, evidence: { require: 'signed' } }, {}),
    /evidence\.require: require: signed, but no key to verify signatures with/,
  );
  const none = resolveEvidenceKeys({ ...base, evidence: { require: 'any' } }, {});
  assert.deepEqual(none, { signer: null, verifier: null, require: 'any' });
});

test('require: signed on a run that takes its own backup needs a signing key, not only a verify key', () => {
  const takes = { repository, backup: { method: 'dump' as const, jobs: 2, archiveTimeoutMs: 1 } };
  const env = { RECOVERABLE_VERIFY_KEY: join(dir, 'verify.pem') };
  assert.throws(
    () => resolveEvidenceKeys({ ...takes, evidence: { require: 'signed' } }, env),
    /evidence\.require: require: signed, but no signing key: the backup this run takes would be unsigned, and refused/,
  );
  assert.throws(
    () =>
      resolveEvidenceKeys(
        { ...takes, backup: { ...takes.backup, use: 'latest' }, evidence: { require: 'signed' } },
        env,
        { takesBackup: true },
      ),
    /no signing key/,
  );
  assert.equal(
    resolveEvidenceKeys(
      { ...takes, evidence: { signingKey: { file: join(dir, 'signing.pem') }, require: 'signed' } },
      {},
    ).require,
    'signed',
  );
});
