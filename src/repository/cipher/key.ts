// The repository's master key: 32 bytes, read from a file or an environment variable as 64 hex digits.
import { readFileSync } from 'node:fs';
import { createHash, hkdfSync } from 'node:crypto';
import { relative, resolve, isAbsolute } from 'node:path';
import { ScenarioError } from '../../core/errors.ts';

/** Where the scenario's key comes from. */
export type KeySource = { file: string /* absolute */ } | { env: string };

/** A loaded master key and its public id (which never reveals the key). */
export interface RepositoryKey {
  readonly bytes: Buffer;
  /** 16 hex digits: the first bytes of SHA-256 over an HKDF-derived check value. */
  readonly id: string;
}

const KEY_BYTES = 32;
const MAKE_ONE = 'make one with `openssl rand -hex 32 > key` (64 hex digits, one line)';

/** The key id stored in every encrypted file's header and in backup.json: the same key always gives the same id. */
export function keyIdOf(master: Buffer): string {
  const check = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'recoverable key check v1', 32));
  return createHash('sha256').update(check).digest('hex').slice(0, 16);
}

/** A key from its text (64 hex digits, surrounding whitespace ignored); `where` names it in errors. */
export function parseKey(text: string, where: string, path = 'encryption.key'): RepositoryKey {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== KEY_BYTES * 2) {
    const what =
      hex.length === 0
        ? 'is empty'
        : /^[0-9a-fA-F]+$/.test(hex)
          ? `holds ${hex.length / 2} bytes of hex, not ${KEY_BYTES}`
          : 'is not hex';
    throw new ScenarioError(
      `the encryption key in ${where} ${what}: a key is ${KEY_BYTES} random bytes written as ${KEY_BYTES * 2} hex digits`,
      [{ path, problem: `${where} ${what}`, fix: MAKE_ONE }],
    );
  }
  const bytes = Buffer.from(hex, 'hex');
  return { bytes, id: keyIdOf(bytes) };
}

/** Read the key a scenario names; a key file inside the repository is refused (it would travel with the backups). */
export function loadKey(source: KeySource, repository: string, env: NodeJS.ProcessEnv = process.env): RepositoryKey {
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined) {
      throw new ScenarioError(`the encryption key variable ${source.env} is not set`, [
        {
          path: 'encryption.key.env',
          problem: `${source.env} is not set in this environment`,
          fix: `export ${source.env}=$(openssl rand -hex 32), or name a key file instead`,
        },
      ]);
    }
    return parseKey(value, `$${source.env}`, 'encryption.key.env');
  }
  assertOutside(source.file, repository);
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (cause) {
    throw new ScenarioError(
      `cannot read the encryption key file ${source.file}: ${(cause as Error).message}`,
      [{ path: 'encryption.key.file', problem: `${source.file} is not readable`, fix: MAKE_ONE }],
      { cause },
    );
  }
  return parseKey(text, source.file, 'encryption.key.file');
}

// A key stored beside the ciphertext protects nothing.
function assertOutside(file: string, repository: string): void {
  const rel = relative(resolve(repository), resolve(file));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new ScenarioError(`the encryption key file ${file} is inside the repository ${repository}`, [
      {
        path: 'encryption.key.file',
        problem: 'the key would be stored with the backups it protects',
        fix: 'keep the key file outside the repository (and back it up somewhere else)',
      },
    ]);
  }
}
