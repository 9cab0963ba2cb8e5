// Signed backups and evidence through real drills: one signed dump drill passes and proves its bundle; a manifest
// rewritten to match tampered expectations, a backup re-signed by another key and an unsigned backup under
// `require: signed` all fail on evidence:signature before anything is restored; any changed report byte fails verify-evidence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';
import { buildManifest, MANIFEST_FILE, MANIFEST_SIGNATURE_FILE } from '../../src/repository/manifest.ts';
import { keyFingerprint, type SigningKey } from '../../src/evidence/keys.ts';
import { signBytes } from '../../src/evidence/sign.ts';
import { LocalRepository } from '../../src/repository/local-repository.ts';
import { manifestCheck } from '../../src/checks/manifest-check.ts';
import type { RunResult } from '../../src/run/result.ts';
import { cloneRepository as cloneInto } from '../helpers/repository-copy.ts';

let ws: Workspace;
let signed: { result: RunResult; runDir: string; scenarioFile: string };
const keys = { signing: '', verify: '', other: '' };
let fingerprint = '';
let theirs: SigningKey;

// A dump scenario of this workspace's source with an evidence block, reporting to its own directory.
function scenario(name: string, evidence: string, extra: { use?: string; repository?: string } = {}): Promise<string> {
  const yaml = dumpScenario(ws, { transactions: 150, ...extra }).replace(
    `${ws.dir}/reports`,
    `${ws.dir}/reports-${name}`,
  );
  return ws.scenario(`${name}.yaml`, `${yaml}evidence: ${evidence}\n`);
}

// The newest run directory under a scenario's reports.
async function runDir(name: string): Promise<string> {
  const reports = join(ws.dir, `reports-${name}`);
  return join(reports, (await readdir(reports)).sort().at(-1)!);
}

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  await mkdir(join(ws.dir, 'keys'), { mode: 0o700 });
  const pair = generateKeyPairSync('ed25519');
  keys.signing = join(ws.dir, 'keys', 'signing.pem');
  keys.verify = join(ws.dir, 'keys', 'verify.pem');
  keys.other = join(ws.dir, 'keys', 'other.pem');
  await writeFile(keys.signing, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(keys.verify, pair.publicKey.export({ format: 'pem', type: 'spki' }));
  fingerprint = keyFingerprint(pair.publicKey);
  const other = generateKeyPairSync('ed25519');
  theirs = { privateKey: other.privateKey, publicKey: other.publicKey, fingerprint: keyFingerprint(other.publicKey) };
  await writeFile(keys.other, other.publicKey.export({ format: 'pem', type: 'spki' }));
  // The one full drill of this file: backup signed with the private key, verified before anything is trusted.
  const scenarioFile = await scenario('signed', `{ signingKey: { file: ${keys.signing} }, require: signed }`);
  const run = await cli(['drill', scenarioFile], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  signed = {
    result: await latestResult(join(ws.dir, 'reports-signed'), 'dump-drill'),
    runDir: await runDir('signed'),
    scenarioFile,
  };
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

const cloneRepository = (name: string): Promise<{ repository: string; backup: string }> => cloneInto(ws.dir, name);

// What an attacker who can write the repository but has no key does: change expectations and rewrite the manifest to match.
async function tamperConsistently(backup: string): Promise<void> {
  const record = JSON.parse(await readFile(join(backup, 'backup.json'), 'utf8')) as { expectationsFile: string };
  const file = join(backup, record.expectationsFile);
  const expectations = await readFile(file, 'utf8');
  const changed = expectations.replace(/"rows":\s*(\d+)/, (_, n: string) => `"rows": ${Number(n) + 1}`);
  assert.notEqual(changed, expectations, 'an expected row count was changed');
  await writeFile(file, changed);
  await writeFile(join(backup, MANIFEST_FILE), `${JSON.stringify(await buildManifest(backup), null, 2)}\n`);
}

test('a signed drill passes evidence:signature first, naming the key, and reports who, where and what', async () => {
  const { result } = signed;
  const check = checkIn(result, 'evidence:signature');
  assert.equal(check.status, 'passed', check.message);
  assert.equal(result.checks[0]!.id, 'evidence:signature', 'the signature is checked before the manifest');
  assert.equal(result.checks[1]!.id, 'manifest');
  assert.match(check.message, new RegExp(`signed by key ${fingerprint} \\(the verify key\\)`));
  assert.deepEqual(result.backup?.signature, { signed: true, keyFingerprint: fingerprint, verified: true });
  const backupDir = join(ws.dir, 'repo', 'backups', result.backup!.id);
  const manifestSha = createHash('sha256')
    .update(await readFile(join(backupDir, MANIFEST_FILE)))
    .digest('hex');
  const signature = JSON.parse(await readFile(join(backupDir, MANIFEST_SIGNATURE_FILE), 'utf8')) as {
    keyFingerprint: string;
    signs: string;
  };
  assert.deepEqual([signature.signs, signature.keyFingerprint], [MANIFEST_FILE, fingerprint]);
  const provenance = result.provenance!;
  assert.ok(provenance.user.length > 0 && provenance.host.length > 0);
  assert.equal(
    provenance.scenarioSha256,
    createHash('sha256')
      .update(await readFile(signed.scenarioFile))
      .digest('hex'),
  );
  assert.deepEqual(provenance.backup, {
    id: result.backup!.id,
    manifestSha256: manifestSha,
    signed: true,
    keyFingerprint: fingerprint,
  });
  assert.deepEqual(provenance.postgres, {
    source: 15,
    sourceServer: result.backup!.sourceServerVersion,
    restores: [{ target: 'immediate', version: 15 }],
  });
  assert.match(result.backup!.sourceServerVersion ?? '', /^15\.\d+/);
  assert.equal(provenance.toolVersion, result.tool.version);
  const summary = await readFile(join(signed.runDir, 'summary.md'), 'utf8');
  const html = await readFile(join(signed.runDir, 'report.html'), 'utf8');
  for (const report of [summary, html]) assert.ok(report.includes(fingerprint), 'the report names the signing key');
  assert.doesNotMatch(await readFile(join(signed.runDir, 'result.json'), 'utf8'), /BEGIN PRIVATE KEY/);
});

test('verify-evidence passes on the fresh run and fails, naming the file, after any report byte changes', async () => {
  const fresh = await cli(['verify-evidence', signed.runDir, '--key', keys.verify], { cwd: ws.dir, env: ws.env });
  assert.equal(fresh.exitCode, 0, fresh.stdout + fresh.stderr);
  assert.match(
    fresh.stdout,
    new RegExp(`^OK .*: 4 files match evidence\\.json\\nsigned by key ${fingerprint} \\(the key given\\)`),
  );
  const wrongKey = await cli(['verify-evidence', signed.runDir, '--key', keys.other], { cwd: ws.dir, env: ws.env });
  assert.equal(wrongKey.exitCode, 1);
  assert.match(
    wrongKey.stdout,
    new RegExp(
      `BAD SIGNATURE evidence\\.json: signed by key ${fingerprint}, not by the verify key ${theirs.fingerprint}`,
    ),
  );
  for (const file of ['result.json', 'junit.xml', 'summary.md', 'report.html']) {
    const copy = join(ws.dir, `run-${file}`);
    await cp(signed.runDir, copy, { recursive: true });
    const bytes = await readFile(join(copy, file));
    bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0x01;
    await writeFile(join(copy, file), bytes);
    const run = await cli(['verify-evidence', copy], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 1, `${file}: ${run.stdout}`);
    assert.match(
      run.stdout,
      new RegExp(`DIFFERS ${file.replace('.', '\\.')} has SHA-256 [0-9a-f]{12}…, the manifest says`),
      file,
    );
  }
  const missing = await cli(['verify-evidence', join(ws.dir, 'no-such-run')], { cwd: ws.dir, env: ws.env });
  assert.equal(missing.exitCode, 2, missing.stderr);
});

test('expectations and manifest rewritten consistently: the manifest check sees nothing, the signature fails the drill before any restore', async () => {
  const { repository, backup } = await cloneRepository('tampered');
  await tamperConsistently(backup);
  const repo = new LocalRepository(repository);
  const [stored] = await repo.list();
  assert.equal((await manifestCheck(repo, stored!)).status, 'passed', 'the rewritten manifest matches every file');
  // The drill host holds only the public key.
  const file = await scenario('tampered', `{ verifyKey: { file: ${keys.verify} } }`, { use: 'latest', repository });
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
  const result = await latestResult(join(ws.dir, 'reports-tampered'), 'dump-drill');
  const check = checkIn(result, 'evidence:signature');
  assert.equal(check.status, 'failed');
  assert.match(
    check.message,
    new RegExp(
      `manifest\\.json does not match its signature by key ${fingerprint}: it was changed after it was signed`,
    ),
  );
  assert.deepEqual(
    result.checks.map((c) => c.id),
    ['evidence:signature'],
    'nothing of the backup was trusted: no manifest check, no restore',
  );
  assert.deepEqual(result.restores, []);
  assert.equal(result.verdict, 'failed');
  // A drill host without the private key leaves an unsigned bundle: digests only, and refused when a signature is required.
  const dir = await runDir('tampered');
  const digestsOnly = await cli(['verify-evidence', dir], { cwd: ws.dir, env: ws.env });
  assert.equal(digestsOnly.exitCode, 0, digestsOnly.stdout);
  assert.match(digestsOnly.stdout, /\nunsigned: evidence\.json has no signature, so only its digests were checked/);
  const required = await cli(['verify-evidence', dir, '--require-signed'], { cwd: ws.dir, env: ws.env });
  assert.equal(required.exitCode, 1);
  assert.match(required.stdout, /UNSIGNED evidence\.json has no evidence\.sig\.json, and a signature is required/);
});

test('tampered and re-signed with another key: failed, naming both keys', async () => {
  const { repository, backup } = await cloneRepository('resigned');
  await tamperConsistently(backup);
  const manifest = await readFile(join(backup, MANIFEST_FILE));
  await writeFile(join(backup, MANIFEST_SIGNATURE_FILE), JSON.stringify(signBytes(manifest, theirs, MANIFEST_FILE)));
  const file = await scenario('resigned', `{ verifyKey: { file: ${keys.verify} } }`, { use: 'latest', repository });
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 1);
  const check = checkIn(await latestResult(join(ws.dir, 'reports-resigned'), 'dump-drill'), 'evidence:signature');
  assert.equal(check.status, 'failed');
  assert.match(check.message, new RegExp(`signed by key ${theirs.fingerprint}, not by the verify key ${fingerprint}`));
});

test('a backup taken without a key, drilled with require: signed, fails as unsigned', async () => {
  const repository = join(ws.dir, 'repo-unsigned');
  const take = await cli(['backup', await scenario('unsigned-backup', '{ require: any }', { repository })], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(take.exitCode, 0, take.stderr.slice(-2000));
  const id = take.stdout.trim();
  assert.deepEqual(
    (await readdir(join(repository, 'backups', id))).filter((f) => f.startsWith('manifest')),
    [MANIFEST_FILE],
    'no signature was written',
  );
  const file = await scenario('unsigned', `{ verifyKey: { env: DRILL_VERIFY_KEY }, require: signed }`, {
    use: 'latest',
    repository,
  });
  const run = await cli(['drill', file], {
    cwd: ws.dir,
    env: { ...ws.env, DRILL_VERIFY_KEY: await readFile(keys.verify, 'utf8') },
  });
  assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
  const result = await latestResult(join(ws.dir, 'reports-unsigned'), 'dump-drill');
  const check = checkIn(result, 'evidence:signature');
  assert.equal(check.status, 'failed');
  assert.equal(check.message, `backup ${id} is unsigned (it has no manifest.sig.json), and evidence.require is signed`);
  assert.deepEqual(result.restores, []);
});

test('a key inside the repository, or require: signed with no key, is refused before anything starts (exit 2)', async () => {
  const inside = join(ws.dir, 'repo', 'signing.pem');
  await cp(keys.signing, inside);
  const refused = await cli(['drill', await scenario('inside', `{ signingKey: { file: ${inside} } }`)], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /evidence\.signingKey: key file .*signing\.pem is inside the repository/);
  const keyless = await cli(['drill', await scenario('keyless', '{ require: signed }')], { cwd: ws.dir, env: ws.env });
  assert.equal(keyless.exitCode, 2);
  assert.match(keyless.stderr, /evidence\.require: require: signed, but no key to verify signatures with/);
});
