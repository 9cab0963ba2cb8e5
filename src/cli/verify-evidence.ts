// `recoverable verify-evidence <run-dir>`: every report file as the run wrote it, and (when signed) by whom.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { EVIDENCE_FILE, EVIDENCE_SIGNATURE_FILE, verifyEvidence, type EvidenceReport } from '../evidence/bundle.ts';
import { loadVerifyKey, VERIFY_KEY_ENV, type VerifyKey } from '../evidence/keys.ts';
import type { CommandContext } from './context.ts';

/** Exit 0 when every file matches (and the signature, when one is there or required); 1 when anything differs; 2 bad usage. */
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const dir = resolve(ctx.cwd, String(args['run-dir']));
  if (!(await stat(dir).catch(() => null))?.isDirectory())
    throw new UsageError(`${dir} is not a directory`, {
      hint: 'pass a reports/<run-id> directory written by `recoverable drill`',
    });
  const key = verifyKeyOf(args, ctx);
  const requireSigned = Boolean(args['require-signed']) || key !== null;
  const report = await verifyEvidence(dir, key);
  const signature = report.present ? judgeSignature(report.signature, requireSigned) : { ok: true, line: null };
  const ok = report.differences.length === 0 && signature.ok;
  const lines = report.differences.map((d) => `DIFFERS ${d}`);
  if (signature.line) lines.push(signature.line);
  const head = ok
    ? `OK ${dir}: ${report.files} files match ${EVIDENCE_FILE}`
    : `FAILED ${dir}: the evidence does not match`;
  process.stdout.write(`${[head, ...lines].join('\n')}\n`);
  return ok ? 0 : 1;
}

// What the bundle's signature says, in one line; an unsigned bundle is acceptable only when no signature is required.
function judgeSignature(signature: EvidenceReport['signature'], requireSigned: boolean): { ok: boolean; line: string } {
  if (signature === null) {
    return requireSigned
      ? { ok: false, line: `UNSIGNED ${EVIDENCE_FILE} has no ${EVIDENCE_SIGNATURE_FILE}, and a signature is required` }
      : {
          ok: true,
          line: `unsigned: ${EVIDENCE_FILE} has no signature, so only its digests were checked (pass --key to require one)`,
        };
  }
  if (!signature.ok) return { ok: false, line: `BAD SIGNATURE ${EVIDENCE_FILE}: ${signature.message}` };
  if (signature.pinned) return { ok: true, line: `signed by key ${signature.fingerprint} (the key given)` };
  return {
    ok: true,
    line: `signed by key ${signature.fingerprint}, which matches the signature, but no key was given to prove who signed (pass --key)`,
  };
}

// --key, else RECOVERABLE_VERIFY_KEY, else none (an unsigned or self-signed bundle is then checked for digests only).
function verifyKeyOf(args: Record<string, unknown>, ctx: CommandContext): VerifyKey | null {
  const given = args.key === undefined ? undefined : String(args.key);
  if (given === undefined && !process.env[VERIFY_KEY_ENV]) return null;
  try {
    return loadVerifyKey(given === undefined ? { env: VERIFY_KEY_ENV } : { file: given }, {
      yamlPath: '--key',
      repository: null,
      cwd: ctx.cwd,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, {
      hint: 'pass the public key (SPKI PEM) the run was signed with, e.g. `openssl pkey -in signing.pem -pubout`',
    });
  }
}
