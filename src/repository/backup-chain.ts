// An incremental backup's chain (pure): does every backup it needs exist, belong to the same cluster, and follow in order?
import type { BackupRecord } from './backup-record.ts';

/** One backup of a chain as found in the repository: its record, backup_label and backup_manifest, or null when absent. */
export interface ChainLink {
  id: string;
  record: BackupRecord | null;
  /** The text of its data directory's backup_label (null: unreadable). */
  label: string | null;
  /** The text of its data directory's backup_manifest, as pg_basebackup wrote it (null: unreadable). */
  manifest: string | null;
}

/** What a backup_manifest says of the server and the WAL: the server's own record, apart from Recoverable's. */
export interface ManifestFacts {
  systemIdentifier: string | null;
  /** The first WAL range's Start-LSN: where the backup starts. */
  startLsn: string | null;
}

/** What is wrong with a chain, one finding per problem, each naming the backups involved. */
export function chainFindings(child: ChainLink & { record: BackupRecord }, links: readonly ChainLink[]): string[] {
  const findings: string[] = [];
  const system = child.record.physical?.systemIdentifier;
  const recorded = child.record.physical?.incremental?.chain ?? [];
  if (recorded.length === 0) return [`backup ${child.id} records no chain: it is not an incremental backup`];
  // Missing: a restore cannot combine without every backup before this one.
  for (const [index, link] of links.entries()) {
    if (link.record === null)
      findings.push(
        `backup ${link.id} (${position(index, links.length)} of the chain of ${child.id}) is missing from the repository`,
      );
  }
  // Identity: every backup of a chain is of one cluster, by the records and by pg_basebackup's own manifests.
  for (const link of links) {
    const theirs = link.record?.physical?.systemIdentifier;
    if (link.record && theirs !== system)
      findings.push(
        `backup ${link.id} is of system identifier ${theirs ?? '(none recorded)'}, but ${child.id} is of ${system}: a chain belongs to one cluster`,
      );
  }
  const serverSystem = child.manifest ? manifestFacts(child.manifest).systemIdentifier : null;
  for (const link of [...links, child]) {
    if (!link.record) continue;
    const facts = link.manifest ? manifestFacts(link.manifest) : null;
    if (!facts?.systemIdentifier || !facts.startLsn)
      findings.push(`the backup_manifest of ${link.id} is unreadable or lacks its System-Identifier or WAL-Ranges`);
    else if (serverSystem && facts.systemIdentifier !== serverSystem)
      findings.push(
        `the backup_manifest of ${link.id} is of system identifier ${facts.systemIdentifier}, but ${child.id}'s is of ${serverSystem}: a chain belongs to one cluster`,
      );
  }
  // Order: the first is full; each next one was taken incrementally from the one before, and started after it.
  const first = links[0];
  if (first?.record) {
    const from = first.label ? labelLsn(first.label, 'INCREMENTAL FROM LSN') : null;
    if (first.record.physical?.incremental || from)
      findings.push(
        `backup ${first.id} begins the chain of ${child.id} but is itself incremental${from ? ` (from LSN ${from})` : ''}: the first backup must be a full one`,
      );
  }
  const sequence = [...links, child];
  for (let i = 1; i < sequence.length; i++) {
    const parent = sequence[i - 1]!;
    const link = sequence[i]!;
    if (!parent.record || !link.record) continue;
    findings.push(
      ...linkFindings(parent as ChainLink & { record: BackupRecord }, link as ChainLink & { record: BackupRecord }),
    );
  }
  return findings;
}

// One parent → child step of the chain.
function linkFindings(
  parent: ChainLink & { record: BackupRecord },
  child: ChainLink & { record: BackupRecord },
): string[] {
  const findings: string[] = [];
  const named = child.record.physical?.incremental?.parent;
  if (named !== parent.id)
    findings.push(
      `backup ${child.id} was taken from ${named ?? 'no parent (it is a full backup)'}, but the chain puts ${parent.id} before it`,
    );
  // A link may be any stored backup (a dump has no start LSN): an empty one reads as unreadable below.
  const parentLsn = parent.record.physical?.startLsn ?? '';
  const childLsn = child.record.physical?.startLsn ?? '';
  const parentStart = parseLsn(parentLsn);
  const childStart = parseLsn(childLsn);
  if (parentStart === null || childStart === null)
    findings.push(`backup ${parent.id} or ${child.id} records no readable start LSN`);
  else if (childStart <= parentStart)
    findings.push(
      `backup ${child.id} starts at LSN ${childLsn}, not after its parent ${parent.id}'s start ${parentLsn}: the chain is out of order`,
    );
  // The server's own word: the child's backup_label names the start it was taken from, the parent's WAL-Ranges its start.
  const from = child.label ? labelLsn(child.label, 'INCREMENTAL FROM LSN') : null;
  const start = parent.manifest ? manifestFacts(parent.manifest).startLsn : null;
  // A child recorded as a full backup is already named above; one recorded as incremental must say where it came from.
  if (from === null) {
    if (named !== undefined)
      findings.push(`the backup_label of ${child.id} is unreadable or lacks INCREMENTAL FROM LSN`);
  } else if (start !== null && parseLsn(from) !== parseLsn(start))
    findings.push(
      `backup ${child.id} was taken incrementally from LSN ${from}, but ${parent.id} starts at ${start} (its backup_manifest's WAL-Ranges): they do not chain`,
    );
  return findings;
}

// "the full backup", "backup 2" ... for messages.
function position(index: number, total: number): string {
  if (index === 0) return 'the full backup';
  return index === total - 1 ? `the parent, backup ${index + 1}` : `backup ${index + 1}`;
}

/** A WAL location of a backup_label line ("START WAL LOCATION: 0/4000028 (file ...)"), or null. */
export function labelLsn(label: string, field: string): string | null {
  const line = label.split('\n').find((l) => l.startsWith(`${field}: `));
  const value = line
    ?.slice(field.length + 2)
    .trim()
    .split(' ')[0];
  return value && parseLsn(value) !== null ? value : null;
}

/** The System-Identifier (read as text: it exceeds a double's precision) and the first WAL range's start of a backup_manifest. */
export function manifestFacts(manifest: string): ManifestFacts {
  const system = /"System-Identifier"\s*:\s*(\d+)/.exec(manifest)?.[1] ?? null;
  const ranges =
    /"WAL-Ranges"\s*:\s*\[\s*\{[^}]*"Start-LSN"\s*:\s*"([0-9A-F]+\/[0-9A-F]+)"/i.exec(manifest)?.[1] ?? null;
  return { systemIdentifier: system, startLsn: ranges };
}

/** "X/Y" (hex) as a number, or null. */
export function parseLsn(lsn: string): bigint | null {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}
