// evidence:signature on committed backups: signed and pinned passes; every tampering, another key, or a missing signature under require fails; unsigned or unpinned is skipped, never passed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRepository, type RecordDraft, type StoredBackup } from '../../../src/repository/local-repository.ts';
import {
  buildManifest,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
  verifyManifest,
} from '../../../src/repository/manifest.ts';
import { keyFingerprint, type SigningKey } from '../../../src/evidence/keys.ts';
import { signatureCheck } from '../../../src/checks/signature-check.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-signature-'));
after(() => rm(root, { recursive: true, force: true }));

function signingKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
}
const ours = signingKey();
const theirs = signingKey();
const pinned = { publicKey: ours.publicKey, fingerprint: ours.fingerprint };
let count = 0;

function draft(id: string): RecordDraft {
  return {
    id,
    method: 'dump',
    scenario: 'shop',
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:00:01Z',
    durationMs: 1000,
    source: { kind: 'managed', major: 15, serverVersion: '15.8', database: 'app' },
    expectationsFile: 'expectations.json',
  } as RecordDraft;
}

// A committed backup with an expectations file, signed by `signer` (or not).
async function backup(signer: SigningKey | null): Promise<StoredBackup> {
  const repo = new LocalRepository(join(root, String(count++)), { signer });
  const id = `20250101T00000${count % 10}Z-aaaaaa`;
  return repo.writeBackup(id, async (staged) => {
    await writeFile(join(staged.dir, 'expectations.json'), '{"rows":{"shop.orders":200}}\n');
    return repo.commit(staged, draft(id));
  });
}

test('a signed backup: its signature lies beside the manifest, outside it, and the manifest check does not call it unexpected', async () => {
  const signed = await backup(ours);
  const manifest = JSON.parse(await readFile(join(signed.dir, MANIFEST_FILE), 'utf8')) as {
    files: Array<{ path: string }>;
  };
  assert.deepEqual(
    manifest.files.map((f) => f.path),
    ['backup.json', 'expectations.json'],
  );
  assert.deepEqual(await verifyManifest(signed.dir, manifest as never), []);
  assert.deepEqual(
    (await buildManifest(signed.dir)).files.map((f) => f.path),
    ['backup.json', 'expectations.json'],
    'a resealed manifest never lists the signature',
  );
  const { check, signature } = await signatureCheck(signed, pinned, 'signed');
  assert.equal(check.status, 'passed', check.message);
  assert.equal(check.id, 'evidence:signature');
  assert.deepEqual(signature, { signed: true, keyFingerprint: ours.fingerprint, verified: true });
  assert.match(check.message, new RegExp(`signed by key ${ours.fingerprint} \\(the verify key\\)`));
});

test('expectations and manifest rewritten consistently: only the signature catches it', async () => {
  const signed = await backup(ours);
  await writeFile(join(signed.dir, 'expectations.json'), '{"rows":{"shop.orders":199}}\n');
  const resealed = await buildManifest(signed.dir);
  await writeFile(join(signed.dir, MANIFEST_FILE), `${JSON.stringify(resealed, null, 2)}\n`);
  assert.deepEqual(await verifyManifest(signed.dir, resealed), [], 'the manifest alone sees nothing');
  for (const require of ['signed', 'any'] as const) {
    const { check } = await signatureCheck(signed, pinned, require);
    assert.equal(check.status, 'failed', `require ${require}`);
    assert.match(
      check.message,
      /manifest\.json does not match its signature by key [0-9a-f]{64}: it was changed after it was signed/,
    );
  }
  const unpinned = await signatureCheck(signed, null, 'any');
  assert.equal(unpinned.check.status, 'failed', 'a bad signature fails even with no verify key');
});

test('re-signed by another key: failed, naming both keys', async () => {
  const forged = await backup(theirs);
  const { check, signature } = await signatureCheck(forged, pinned, 'any');
  assert.equal(check.status, 'failed');
  assert.equal(
    check.message,
    `backup ${forged.record.id}: signed by key ${theirs.fingerprint}, not by the verify key ${ours.fingerprint}`,
  );
  assert.equal(signature.verified, false);
});

test('unsigned: failed under require: signed, skipped otherwise (never a pass)', async () => {
  const unsigned = await backup(null);
  const required = await signatureCheck(unsigned, pinned, 'signed');
  assert.equal(required.check.status, 'failed');
  assert.match(
    required.check.message,
    /is unsigned \(it has no manifest\.sig\.json\), and evidence\.require is signed/,
  );
  const optional = await signatureCheck(unsigned, pinned, 'any');
  assert.equal(optional.check.status, 'skipped');
  assert.deepEqual(optional.signature, { signed: false, verified: false });
});

test('a signature with no verify key configured is skipped (integrity only), a deleted manifest or damaged signature fails', async () => {
  const signed = await backup(ours);
  const unpinned = await signatureCheck(signed, null, 'any');
  assert.equal(unpinned.check.status, 'skipped');
  assert.match(unpinned.check.message, /no verify key is configured, so who signed it is not proven/);
  await writeFile(join(signed.dir, MANIFEST_SIGNATURE_FILE), '{ not json');
  assert.equal((await signatureCheck(signed, pinned, 'any')).check.status, 'failed');
  const other = await backup(ours);
  await rm(join(other.dir, MANIFEST_FILE));
  const gone = await signatureCheck(other, pinned, 'any');
  assert.equal(gone.check.status, 'failed');
  assert.match(gone.check.message, /is signed but its manifest\.json is missing/);
});
