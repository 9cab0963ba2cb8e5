// Signatures over exact bytes: one changed byte, another key, a swapped public key or a damaged record all fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyFingerprint, publicKeyPem, type SigningKey, type VerifyKey } from '../../../src/evidence/keys.ts';
import { signBytes, verifySignature } from '../../../src/evidence/sign.ts';

function keyPair(): { signer: SigningKey; verifier: VerifyKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const fingerprint = keyFingerprint(publicKey);
  return { signer: { privateKey, publicKey, fingerprint }, verifier: { publicKey, fingerprint } };
}

const ours = keyPair();
const theirs = keyPair();
const bytes = Buffer.from('{"files":[{"path":"backup.json","sha256":"ab"}]}\n');
const record = signBytes(bytes, ours.signer, 'manifest.json');

test('a signature verifies under the trusted key (pinned) and under the key it carries (not pinned)', () => {
  assert.deepEqual(verifySignature(bytes, record, ours.verifier), {
    ok: true,
    fingerprint: ours.signer.fingerprint,
    pinned: true,
  });
  assert.deepEqual(verifySignature(bytes, record, null), {
    ok: true,
    fingerprint: ours.signer.fingerprint,
    pinned: false,
  });
  assert.equal(record.signs, 'manifest.json');
});

test('one changed byte of the signed file is a mismatch, with or without a trusted key', () => {
  for (let i = 0; i < bytes.length; i += 7) {
    const changed = Buffer.from(bytes);
    changed[i] = changed[i]! ^ 1;
    for (const key of [ours.verifier, null]) {
      const verdict = verifySignature(changed, record, key);
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.problem, 'mismatch');
      assert.match(
        !verdict.ok ? verdict.message : '',
        /manifest\.json does not match its signature by key [0-9a-f]{64}: it was changed after it was signed/,
      );
    }
  }
});

test('a re-signature by another key is named as another key under the trusted key, and verifies only without one', () => {
  const forged = signBytes(bytes, theirs.signer, 'manifest.json');
  const verdict = verifySignature(bytes, forged, ours.verifier);
  assert.deepEqual(verdict, {
    ok: false,
    problem: 'other-key',
    fingerprint: theirs.signer.fingerprint,
    message: `signed by key ${theirs.signer.fingerprint}, not by the verify key ${ours.signer.fingerprint}`,
  });
  assert.equal(verifySignature(bytes, forged, null).ok, true);
});

test('a record naming our key but carrying theirs, or claiming our fingerprint with their signature, fails', () => {
  const swapped = { ...record, publicKey: publicKeyPem(theirs.signer.publicKey) };
  const untrusted = verifySignature(bytes, swapped, null);
  assert.equal(!untrusted.ok && untrusted.problem, 'malformed');
  const claimed = {
    ...signBytes(bytes, theirs.signer, 'manifest.json'),
    keyFingerprint: ours.signer.fingerprint,
    publicKey: record.publicKey,
  };
  const trusted = verifySignature(bytes, claimed, ours.verifier);
  assert.equal(!trusted.ok && trusted.problem, 'mismatch');
  assert.equal(createPublicKey(record.publicKey).asymmetricKeyType, 'ed25519');
});

test('damaged records are malformed, never accepted', () => {
  const damaged: unknown[] = [
    null,
    'x',
    { ...record, formatVersion: 2 },
    { ...record, algorithm: 'rsa' },
    { ...record, signature: '' },
    { ...record, publicKey: 'not a key' },
  ];
  for (const bad of damaged) {
    const verdict = verifySignature(bytes, bad, null);
    assert.equal(verdict.ok, false, JSON.stringify(bad));
  }
  const truncated = verifySignature(bytes, { ...record, signature: record.signature.slice(0, 40) }, ours.verifier);
  assert.equal(!truncated.ok && truncated.problem, 'mismatch');
});
