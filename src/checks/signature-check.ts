// Verify a stored backup's manifest signature before its manifest, and so any expectation, is trusted.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupSignature, CheckResult } from '../run/result.ts';
import type { StoredBackup } from '../repository/local-repository.ts';
import { MANIFEST_FILE, MANIFEST_SIGNATURE_FILE } from '../repository/manifest.ts';
import { verifySignature } from '../evidence/sign.ts';
import type { VerifyKey } from '../evidence/keys.ts';

/** The check and what it learned about the signature, for result.backup. */
export interface SignatureCheckOutcome {
  check: CheckResult;
  signature: BackupSignature;
}

const ID = 'evidence:signature';

/**
 * Check manifest.sig.json over manifest.json's exact bytes. A bad signature fails whatever `require` says; an
 * unsigned backup fails only under `require: signed` and is otherwise skipped (never a pass); a valid signature
 * that no verify key pins is skipped too: it proves integrity, not who signed.
 */
export async function signatureCheck(
  backup: StoredBackup,
  verifier: VerifyKey | null,
  require: 'signed' | 'any',
): Promise<SignatureCheckOutcome> {
  const started = performance.now();
  const id = backup.record.id;
  const expected = verifier ? { keyFingerprint: verifier.fingerprint } : { signed: require === 'signed' };
  const done = (
    status: CheckResult['status'],
    actual: unknown,
    message: string,
    signature: BackupSignature,
  ): SignatureCheckOutcome => ({
    check: {
      id: ID,
      kind: 'signature',
      status,
      exactness: 'exact',
      expected,
      actual,
      message,
      durationMs: Math.round(performance.now() - started),
    },
    signature,
  });
  const signatureText = await readOptional(join(backup.dir, MANIFEST_SIGNATURE_FILE));
  if (signatureText === null) {
    if (require === 'signed')
      return done(
        'failed',
        { signed: false },
        `backup ${id} is unsigned (it has no ${MANIFEST_SIGNATURE_FILE}), and evidence.require is signed`,
        { signed: false, verified: false },
      );
    return done(
      'skipped',
      { signed: false },
      `backup ${id} is unsigned (no ${MANIFEST_SIGNATURE_FILE}); sign backups with evidence.signingKey, refuse unsigned ones with evidence.require: signed`,
      { signed: false, verified: false },
    );
  }
  let record: unknown;
  try {
    record = JSON.parse(signatureText);
  } catch {
    return done('failed', { signed: true }, `backup ${id}: ${MANIFEST_SIGNATURE_FILE} is not valid JSON`, {
      signed: true,
      verified: false,
    });
  }
  const manifest = await readOptional(join(backup.dir, MANIFEST_FILE), 'buffer');
  if (manifest === null)
    return done('failed', { signed: true }, `backup ${id} is signed but its ${MANIFEST_FILE} is missing`, {
      signed: true,
      verified: false,
    });
  const verdict = verifySignature(manifest, record, verifier);
  const fingerprint = verdict.fingerprint ?? undefined;
  const signature = {
    signed: true,
    ...(fingerprint ? { keyFingerprint: fingerprint } : {}),
    verified: verdict.ok && verdict.pinned,
  };
  if (!verdict.ok)
    return done(
      'failed',
      { signed: true, ...(fingerprint ? { keyFingerprint: fingerprint } : {}), problem: verdict.problem },
      `backup ${id}: ${verdict.message}`,
      signature,
    );
  if (!verdict.pinned) {
    return done(
      'skipped',
      { signed: true, keyFingerprint: verdict.fingerprint },
      `backup ${id} is signed by key ${verdict.fingerprint} and its manifest matches that signature, but no verify key is configured, so who signed it is not proven: set evidence.verifyKey`,
      signature,
    );
  }
  return done(
    'passed',
    { signed: true, keyFingerprint: verdict.fingerprint },
    `backup ${id}: ${MANIFEST_FILE} is signed by key ${verdict.fingerprint} (the verify key) and matches its signature`,
    signature,
  );
}

// A file's content, or null when it does not exist.
async function readOptional(path: string): Promise<string | null>;
async function readOptional(path: string, as: 'buffer'): Promise<Buffer | null>;
async function readOptional(path: string, as?: 'buffer'): Promise<string | Buffer | null> {
  try {
    return as === 'buffer' ? await readFile(path) : await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
