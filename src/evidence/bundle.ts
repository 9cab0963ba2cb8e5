// A run's evidence bundle: evidence.json lists every report file with its size and SHA-256, signed when a key is set.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest, describeFinding, verifyManifest, type Manifest } from '../repository/manifest.ts';
import { writeFileAtomic } from '../repository/durable.ts';
import { signBytes, verifySignature, type SignatureVerdict } from './sign.ts';
import type { SigningKey, VerifyKey } from './keys.ts';

export const EVIDENCE_FILE = 'evidence.json';
export const EVIDENCE_SIGNATURE_FILE = 'evidence.sig.json';

/** evidence.json: the run it belongs to and the manifest of its directory. */
export interface EvidenceList {
  formatVersion: 1;
  runId: string;
  manifest: Manifest;
}

const OWN_FILES = new Set([EVIDENCE_FILE, EVIDENCE_SIGNATURE_FILE]);

/** Write evidence.json over every file now in `dir` (and evidence.sig.json when `signer` is set); returns the list. */
export async function writeEvidence(dir: string, runId: string, signer: SigningKey | null): Promise<EvidenceList> {
  const full = await buildManifest(dir);
  const manifest: Manifest = { ...full, files: full.files.filter((f) => !OWN_FILES.has(f.path)) };
  const list: EvidenceList = { formatVersion: 1, runId, manifest };
  const text = `${JSON.stringify(list, null, 2)}\n`;
  await writeFileAtomic(join(dir, EVIDENCE_FILE), text);
  if (signer)
    await writeFileAtomic(
      join(dir, EVIDENCE_SIGNATURE_FILE),
      `${JSON.stringify(signBytes(Buffer.from(text), signer, EVIDENCE_FILE), null, 2)}\n`,
    );
  return list;
}

/** What verifying a run directory found. */
export interface EvidenceReport {
  /** One line per file that differs from the list (missing, added, resized, changed), or per unreadable part. */
  differences: string[];
  /** Whether there is an evidence.json at all. */
  present: boolean;
  /** How many files the list covers. */
  files: number;
  /** null: the bundle is unsigned. */
  signature: SignatureVerdict | null;
}

/**
 * Check `dir` against its evidence.json, and evidence.json against its signature (under `key` when given, else the
 * key the signature carries). A missing evidence.json is itself a difference: missing evidence is never a pass.
 */
export async function verifyEvidence(dir: string, key: VerifyKey | null): Promise<EvidenceReport> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, EVIDENCE_FILE));
  } catch {
    return {
      differences: [`${EVIDENCE_FILE} is missing: this run left no evidence bundle`],
      present: false,
      files: 0,
      signature: null,
    };
  }
  const signature = await readSignature(dir, bytes, key);
  let list: EvidenceList;
  try {
    list = JSON.parse(bytes.toString('utf8')) as EvidenceList;
    // Never escapes: the catch below turns an unknown format into a difference, as it does unparsable JSON.
    if (list.formatVersion !== 1 || !Array.isArray(list.manifest?.files)) throw new Error('unknown format');
  } catch {
    return {
      differences: [`${EVIDENCE_FILE} is not an evidence list this version reads`],
      present: true,
      files: 0,
      signature,
    };
  }
  const findings = (await verifyManifest(dir, list.manifest)).filter(
    (f) => !(f.problem === 'unexpected' && OWN_FILES.has(f.path)),
  );
  return { differences: findings.map(describeFinding), present: true, files: list.manifest.files.length, signature };
}

// The bundle's signature verdict; null when it has none.
async function readSignature(dir: string, bytes: Buffer, key: VerifyKey | null): Promise<SignatureVerdict | null> {
  let text: string;
  try {
    text = await readFile(join(dir, EVIDENCE_SIGNATURE_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    return verifySignature(bytes, JSON.parse(text), key);
  } catch {
    return {
      ok: false,
      problem: 'malformed',
      fingerprint: null,
      message: `${EVIDENCE_SIGNATURE_FILE} is not valid JSON`,
    };
  }
}
