// Ed25519 keys for signing backups and evidence: read from a file or an environment variable, never from the repository.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ScenarioError } from '../core/errors.ts';

/** Where a key comes from: a PEM file, or an environment variable holding a PEM or a path to one. */
export type KeySource = { file: string } | { env: string };

/** A private key that signs (PKCS#8 PEM), with its public half and that half's fingerprint. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  fingerprint: string;
}

/** A public key that verifies (SPKI PEM), with its fingerprint. */
export interface VerifyKey {
  publicKey: KeyObject;
  fingerprint: string;
}

/** Environment variables read when the scenario names no key: a PEM or a path to one. */
export const SIGNING_KEY_ENV = 'RECOVERABLE_SIGNING_KEY';
export const VERIFY_KEY_ENV = 'RECOVERABLE_VERIFY_KEY';

const PEM = /-----BEGIN [A-Z ]+-----/;

/** SHA-256 of the raw 32-byte Ed25519 public key, in hex: the name a report gives a key. */
export function keyFingerprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  // Cannot happen: callers pass keys they checked (or generated) as Ed25519.
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new Error('not an Ed25519 public key');
  return createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex');
}

/** A public key as SPKI PEM (what a signature record carries and a drill host is given). */
export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** Where a key was found, for messages (never the PEM itself). */
export function describeSource(source: KeySource): string {
  return 'file' in source ? source.file : `$${source.env}`;
}

// The PEM text a source holds, and the file it came from (null for a PEM inside a variable).
function readPem(
  source: KeySource,
  yamlPath: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { pem: string; file: string | null } {
  let file: string;
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value.trim() === '')
      throw keyError(
        yamlPath,
        `environment variable ${source.env} is not set`,
        `export ${source.env} with a PEM key or the path of one`,
      );
    if (PEM.test(value)) return { pem: value, file: null };
    file = resolve(cwd, value.trim());
  } else {
    file = resolve(cwd, source.file);
  }
  try {
    return { pem: readFileSync(file, 'utf8'), file };
  } catch (cause) {
    throw keyError(
      yamlPath,
      `cannot read key file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      'check the path and its permissions',
      cause,
    );
  }
}

// A key kept in the repository would sign for whoever can write there: refuse it.
function refuseInsideRepository(file: string | null, repository: string | null, yamlPath: string): void {
  if (file === null || repository === null) return;
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const rel = relative(real(repository), real(file));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw keyError(
      yamlPath,
      `key file ${file} is inside the repository ${repository}`,
      'keep keys outside the repository (whoever can write a backup must not be able to read its signing key)',
    );
  }
}

function keyError(path: string, problem: string, fix: string, cause?: unknown): ScenarioError {
  return new ScenarioError(`${path}: ${problem}`, [{ path, problem, fix }], cause === undefined ? {} : { cause });
}

/** Read an Ed25519 private key (PKCS#8 PEM); its public half is derived. Exit 2 when it is missing, not a key, or in the repository. */
export function loadSigningKey(
  source: KeySource,
  options: { yamlPath: string; repository: string | null; env?: NodeJS.ProcessEnv; cwd?: string },
): SigningKey {
  const { pem, file } = readPem(source, options.yamlPath, options.env ?? process.env, options.cwd ?? process.cwd());
  refuseInsideRepository(file, options.repository, options.yamlPath);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (cause) {
    throw keyError(
      options.yamlPath,
      `${describeSource(source)} does not hold a private key in PEM: ${(cause as Error).message}`,
      'generate one with `openssl genpkey -algorithm ed25519 -out signing.pem`',
      cause,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw keyError(
      options.yamlPath,
      `${describeSource(source)} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`,
      'generate one with `openssl genpkey -algorithm ed25519 -out signing.pem`',
    );
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
}

/** Read an Ed25519 public key (SPKI PEM; a private key is accepted and only its public half kept). */
export function loadVerifyKey(
  source: KeySource,
  options: { yamlPath: string; repository: string | null; env?: NodeJS.ProcessEnv; cwd?: string },
): VerifyKey {
  const { pem, file } = readPem(source, options.yamlPath, options.env ?? process.env, options.cwd ?? process.cwd());
  refuseInsideRepository(file, options.repository, options.yamlPath);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (cause) {
    throw keyError(
      options.yamlPath,
      `${describeSource(source)} does not hold a public key in PEM: ${(cause as Error).message}`,
      'export it with `openssl pkey -in signing.pem -pubout -out verify.pem`',
      cause,
    );
  }
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw keyError(
      options.yamlPath,
      `${describeSource(source)} is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`,
      'use an Ed25519 key pair',
    );
  return { publicKey, fingerprint: keyFingerprint(publicKey) };
}
