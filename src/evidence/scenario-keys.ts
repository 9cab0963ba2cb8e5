// The keys a scenario signs and verifies with: its evidence block, else the RECOVERABLE_* variables.
import { ScenarioError } from '../core/errors.ts';
import type { Scenario } from '../scenario/types.ts';
import {
  loadSigningKey,
  loadVerifyKey,
  SIGNING_KEY_ENV,
  VERIFY_KEY_ENV,
  type SigningKey,
  type VerifyKey,
} from './keys.ts';

/** What a run signs with (null: it signs nothing) and what it trusts (null: no signer is proven). */
export interface EvidenceKeys {
  signer: SigningKey | null;
  verifier: VerifyKey | null;
  require: 'signed' | 'any';
}

/**
 * Read the scenario's keys before anything starts (exit 2 on a bad or misplaced key). Without a verify key, the
 * signing key's public half verifies. `require: signed` is refused without a key to verify with, and, when this run
 * takes its backup (`takesBackup`, by default: no `backup.use`), without a key to sign it.
 */
export function resolveEvidenceKeys(
  scenario: Pick<Scenario, 'evidence' | 'repository' | 'backup'>,
  env: NodeJS.ProcessEnv = process.env,
  options: { takesBackup?: boolean } = {},
): EvidenceKeys {
  const { evidence, repository } = scenario;
  const takesBackup = options.takesBackup ?? scenario.backup.use === undefined;
  const signingSource = evidence.signingKey ?? (env[SIGNING_KEY_ENV] ? { env: SIGNING_KEY_ENV } : undefined);
  const verifySource = evidence.verifyKey ?? (env[VERIFY_KEY_ENV] ? { env: VERIFY_KEY_ENV } : undefined);
  const signer = signingSource
    ? loadSigningKey(signingSource, { yamlPath: 'evidence.signingKey', repository, env })
    : null;
  const verifier = verifySource
    ? loadVerifyKey(verifySource, { yamlPath: 'evidence.verifyKey', repository, env })
    : signer
      ? { publicKey: signer.publicKey, fingerprint: signer.fingerprint }
      : null;
  if (evidence.require === 'signed' && verifier === null) {
    const problem = 'require: signed, but no key to verify signatures with';
    throw new ScenarioError(`evidence.require: ${problem}`, [
      { path: 'evidence.require', problem, fix: `set evidence.verifyKey (the public key, PEM) or ${VERIFY_KEY_ENV}` },
    ]);
  }
  if (evidence.require === 'signed' && takesBackup && signer === null) {
    const problem = 'require: signed, but no signing key: the backup this run takes would be unsigned, and refused';
    throw new ScenarioError(`evidence.require: ${problem}`, [
      {
        path: 'evidence.require',
        problem,
        fix: `set evidence.signingKey or ${SIGNING_KEY_ENV} where backups are taken, or drill a stored signed backup with backup.use`,
      },
    ]);
  }
  return { signer, verifier, require: evidence.require };
}
