// Detached Ed25519 signatures over the exact bytes of one file (a backup's manifest, a run's evidence list).
import { createPublicKey, sign, verify } from 'node:crypto';
import { keyFingerprint, publicKeyPem, type SigningKey, type VerifyKey } from './keys.ts';

/** A signature file's content: which file it signs, with which key, and the signature. */
export interface SignatureRecord {
  formatVersion: 1;
  algorithm: 'ed25519';
  /** The file signed, relative to the signature's directory. */
  signs: string;
  /** SHA-256 of the raw public key, hex. */
  keyFingerprint: string;
  /** The signer's public key (SPKI PEM): lets anyone check integrity; only a pinned verify key proves who signed. */
  publicKey: string;
  /** Base64 Ed25519 signature over the signed file's bytes. */
  signature: string;
}

/** Sign `bytes` (the content of file `signs`). */
export function signBytes(bytes: Uint8Array, key: SigningKey, signs: string): SignatureRecord {
  return {
    formatVersion: 1,
    algorithm: 'ed25519',
    signs,
    keyFingerprint: key.fingerprint,
    publicKey: publicKeyPem(key.publicKey),
    signature: sign(null, bytes, key.privateKey).toString('base64'),
  };
}

/** What checking a signature found. `pinned` says the key was the trusted one, not only the one the record carries. */
export type SignatureVerdict =
  | { ok: true; fingerprint: string; pinned: boolean }
  | { ok: false; problem: 'malformed' | 'other-key' | 'mismatch'; fingerprint: string | null; message: string };

/**
 * Check `record` over `bytes`. With `trusted`, the record must name that key and verify under it; without, it is
 * checked against the key it carries (integrity only: anyone can sign with a key of their own).
 */
export function verifySignature(bytes: Uint8Array, record: unknown, trusted: VerifyKey | null): SignatureVerdict {
  const shape = recordShape(record);
  if (typeof shape === 'string') return { ok: false, problem: 'malformed', fingerprint: null, message: shape };
  if (trusted && shape.keyFingerprint !== trusted.fingerprint) {
    return {
      ok: false,
      problem: 'other-key',
      fingerprint: shape.keyFingerprint,
      message: `signed by key ${shape.keyFingerprint}, not by the verify key ${trusted.fingerprint}`,
    };
  }
  let key = trusted?.publicKey;
  if (!key) {
    try {
      key = createPublicKey(shape.publicKey);
    } catch {
      return {
        ok: false,
        problem: 'malformed',
        fingerprint: shape.keyFingerprint,
        message: 'the public key it carries is not a PEM key',
      };
    }
    if (key.asymmetricKeyType !== 'ed25519' || keyFingerprint(key) !== shape.keyFingerprint) {
      return {
        ok: false,
        problem: 'malformed',
        fingerprint: shape.keyFingerprint,
        message: `the public key it carries is not the key ${shape.keyFingerprint} it names`,
      };
    }
  }
  const signature = Buffer.from(shape.signature, 'base64');
  if (signature.length !== 64 || !verify(null, bytes, key, signature)) {
    return {
      ok: false,
      problem: 'mismatch',
      fingerprint: shape.keyFingerprint,
      message: `${shape.signs} does not match its signature by key ${shape.keyFingerprint}: it was changed after it was signed`,
    };
  }
  return { ok: true, fingerprint: shape.keyFingerprint, pinned: trusted !== null };
}

// The record's fields when it has the shape this version writes, else why not.
function recordShape(record: unknown): SignatureRecord | string {
  if (typeof record !== 'object' || record === null) return 'the signature file is not a JSON object';
  const r = record as Partial<SignatureRecord>;
  if (r.formatVersion !== 1) return `signature format ${String(r.formatVersion)} is not one this version reads (1)`;
  if (r.algorithm !== 'ed25519') return `signature algorithm ${String(r.algorithm)} is not ed25519`;
  for (const field of ['signs', 'keyFingerprint', 'publicKey', 'signature'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') return `the signature file has no ${field}`;
  }
  return r as SignatureRecord;
}
