// The evidence facts every human report shows: the backup's signature and the run's provenance, as plain label/text pairs.
import type { BackupSummary, Provenance } from '../run/result.ts';

/** Whether the backup was signed, by which key, and whether that key was the trusted one. */
export function signatureFact(backup: BackupSummary): [string, string] {
  const signature = backup.signature;
  if (!signature) return ['Signed', 'not checked'];
  if (!signature.signed) return ['Signed', 'no (unsigned backup)'];
  const key = signature.keyFingerprint ? `key ${signature.keyFingerprint}` : 'an unreadable key';
  return [
    'Signed',
    signature.verified
      ? `yes, ${key} (verified under the verify key)`
      : `yes, ${key} (not verified: see evidence:signature)`,
  ];
}

/** Who ran the drill, where, with what, in a few rows; each row's text is plain (the renderer escapes it). */
export function provenanceFacts(provenance: Provenance): Array<[string, string]> {
  const rows: Array<[string, string]> = [['Run by', `${provenance.user} on ${provenance.host}`]];
  const ci = provenance.ci;
  if (ci) {
    const parts = [
      ci.runId ? `run ${ci.runId}` : '',
      ci.pipelineId ? `pipeline ${ci.pipelineId}` : '',
      ci.repository ?? '',
      ci.revision ? `at ${ci.revision}` : '',
    ].filter(Boolean);
    rows.push([
      'CI',
      `${ci.system}${parts.length ? `: ${parts.join(', ')}` : ''}${ci.jobUrl ? ` (${ci.jobUrl})` : ''}`,
    ]);
  }
  if (provenance.backup?.manifestSha256) rows.push(['Backup manifest SHA-256', provenance.backup.manifestSha256]);
  for (const image of provenance.images)
    rows.push(['Image', `${image.image}${image.digest ? ` (${image.digest})` : ''}`]);
  const versions = [...new Set(provenance.postgres.restores.map((r) => r.version))];
  const { source, sourceServer } = provenance.postgres;
  const from = source === undefined ? 'source unknown' : `source ${source}${sourceServer ? ` (${sourceServer})` : ''}`;
  rows.push(['PostgreSQL', `${from}; restored into ${versions.length ? versions.join(', ') : 'none'}`]);
  return rows;
}
