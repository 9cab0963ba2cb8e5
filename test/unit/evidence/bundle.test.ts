// The evidence bundle: a fresh one verifies; any changed, added or removed byte or file, or a bad signature, is named.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFingerprint, type SigningKey } from '../../../src/evidence/keys.ts';
import { EVIDENCE_FILE, EVIDENCE_SIGNATURE_FILE, verifyEvidence, writeEvidence } from '../../../src/evidence/bundle.ts';
import { signBytes } from '../../../src/evidence/sign.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-bundle-'));
after(() => rm(root, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer: SigningKey = { privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
const pinned = { publicKey, fingerprint: signer.fingerprint };
let count = 0;

// A run directory with the four reports, its bundle written.
async function run(sign: boolean): Promise<string> {
  const dir = join(root, String(count++));
  await mkdir(join(dir, 'extra'), { recursive: true });
  await writeFile(join(dir, 'result.json'), '{"verdict":"passed"}\n');
  await writeFile(join(dir, 'junit.xml'), '<testsuites/>\n');
  await writeFile(join(dir, 'summary.md'), '# passed\n');
  await writeFile(join(dir, 'extra', 'report.html'), '<html></html>\n');
  await writeEvidence(dir, 'run-1', sign ? signer : null);
  return dir;
}

test('a fresh signed bundle lists every file but its own and verifies under the signing key', async () => {
  const dir = await run(true);
  const list = JSON.parse(await readFile(join(dir, EVIDENCE_FILE), 'utf8')) as {
    runId: string;
    manifest: { files: Array<{ path: string }> };
  };
  assert.equal(list.runId, 'run-1');
  assert.deepEqual(
    list.manifest.files.map((f) => f.path),
    ['extra/report.html', 'junit.xml', 'result.json', 'summary.md'],
  );
  const report = await verifyEvidence(dir, pinned);
  assert.deepEqual(report, {
    differences: [],
    present: true,
    files: 4,
    signature: { ok: true, fingerprint: signer.fingerprint, pinned: true },
  });
});

test('one changed byte, a truncated, added or deleted file is a named difference', async () => {
  const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
    [
      'byte',
      async (dir) => writeFile(join(dir, 'result.json'), '{"verdict":"failed"}\n'),
      /^result\.json has SHA-256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…$/,
    ],
    [
      'append',
      async (dir) => appendFile(join(dir, 'extra', 'report.html'), ' '),
      /^extra\/report\.html is 15 bytes, the manifest says 14$/,
    ],
    ['added', async (dir) => writeFile(join(dir, 'notes.txt'), 'x'), /^notes\.txt is not in the manifest$/],
    ['deleted', async (dir) => rm(join(dir, 'junit.xml')), /^junit\.xml is missing$/],
  ];
  for (const [name, change, expected] of cases) {
    const dir = await run(true);
    await change(dir);
    const report = await verifyEvidence(dir, pinned);
    assert.equal(report.differences.length, 1, name);
    assert.match(report.differences[0]!, expected, name);
    assert.equal(report.signature?.ok, true, 'the list itself is intact');
  }
});

test('evidence.json rewritten to match a changed file: its signature catches it; re-signed by another key: named', async () => {
  const dir = await run(true);
  await writeFile(join(dir, 'result.json'), '{"verdict":"failed"}\n');
  const resigned = await run(false);
  await writeFile(join(resigned, 'result.json'), '{"verdict":"failed"}\n');
  // The attacker's consistent list, keeping the old signature.
  const original = await readFile(join(dir, EVIDENCE_SIGNATURE_FILE));
  await writeEvidence(dir, 'run-1', null);
  await writeFile(join(dir, EVIDENCE_SIGNATURE_FILE), original);
  const report = await verifyEvidence(dir, pinned);
  assert.deepEqual(report.differences, [], 'the digests now agree');
  assert.equal(report.signature?.ok, false);
  assert.match(!report.signature?.ok ? report.signature!.message : '', /evidence\.json does not match its signature/);
  // Signed by a key of the attacker's own.
  const other = generateKeyPairSync('ed25519');
  const theirs: SigningKey = {
    privateKey: other.privateKey,
    publicKey: other.publicKey,
    fingerprint: keyFingerprint(other.publicKey),
  };
  await writeFile(
    join(resigned, EVIDENCE_SIGNATURE_FILE),
    JSON.stringify(signBytes(await readFile(join(resigned, EVIDENCE_FILE)), theirs, EVIDENCE_FILE)),
  );
  const forged = await verifyEvidence(resigned, pinned);
  assert.equal(!forged.signature?.ok && forged.signature?.problem, 'other-key');
  assert.equal((await verifyEvidence(resigned, null)).signature?.ok, true, 'without a key only integrity is checked');
});

test('an unsigned bundle reports no signature; a run without evidence.json is a difference, not a pass', async () => {
  const dir = await run(false);
  assert.deepEqual(await verifyEvidence(dir, null), { differences: [], present: true, files: 4, signature: null });
  await rm(join(dir, EVIDENCE_FILE));
  const missing = await verifyEvidence(dir, null);
  assert.deepEqual(missing, {
    differences: ['evidence.json is missing: this run left no evidence bundle'],
    present: false,
    files: 0,
    signature: null,
  });
});
