// An incremental backup's chain (pure): does every backup it needs exist, belong to the same cluster, and follow in order?
import type { BackupRecord } from './backup-record.ts';

/** One backup of a chain as found in the repository: its record and backup_label, or null when absent. */
export interface ChainLink {
  id: string;
  record: BackupRecord | null;
  /** The text of its data directory's backup_label (null: unreadable). */
  label: string | null;
}

/** What is wrong with a chain, one finding per problem, each naming the backups involved. */
export function chainFindings(child: ChainLink & { record: BackupRecord }, links: readonly ChainLink[]): string[] {
  const findings: string[] = [];
  const system = child.record.physical?.systemIdentifier;
  const recorded = child.record.physical?.incremental?.chain ?? [];
  if (recorded.length === 0) return [`backup ${child.id} records no chain: it is not an incremental backup`];
  // Missing: a restore cannot combine without every backup before this one.
  for (const [index, link] of links.entries()) {
    if (link.record === null) findings.push(`backup ${link.id} (${position(index, links.length)} of the chain of ${child.id}) is missing from the repository`);
  }
  // Identity: every backup of a chain is of one cluster.
  for (const link of links) {
    const theirs = link.record?.physical?.systemIdentifier;
    if (link.record && theirs !== system) findings.push(`backup ${link.id} is of system identifier ${theirs ?? '(none recorded)'}, but ${child.id} is of ${system}: a chain belongs to one cluster`);
  }
  // Order: the first is full; each next one was taken incrementally from the one before, and started after it.
  const first = links[0];
  if (first?.record) {
    const from = first.label ? labelLsn(first.label, 'INCREMENTAL FROM LSN') : null;
    if (first.record.physical?.incremental || from) findings.push(`backup ${first.id} begins the chain of ${child.id} but is itself incremental${from ? ` (from LSN ${from})` : ''}: the first backup must be a full one`);
  }
  const sequence = [...links, child];
  for (let i = 1; i < sequence.length; i++) {
    const parent = sequence[i - 1]!;
    const link = sequence[i]!;
    if (!parent.record || !link.record) continue;
    findings.push(...linkFindings(parent as ChainLink & { record: BackupRecord }, link as ChainLink & { record: BackupRecord }));
  }
  return findings;
}

// One parent → child step of the chain.
function linkFindings(parent: ChainLink & { record: BackupRecord }, child: ChainLink & { record: BackupRecord }): string[] {
  const findings: string[] = [];
  const named = child.record.physical?.incremental?.parent;
  if (named !== parent.id) findings.push(`backup ${child.id} was taken from ${named ?? 'no parent (it is a full backup)'}, but the chain puts ${parent.id} before it`);
  const parentStart = parseLsn(parent.record.physical?.startLsn ?? '');
  const childStart = parseLsn(child.record.physical?.startLsn ?? '');
  if (parentStart === null || childStart === null) findings.push(`backup ${parent.id} or ${child.id} records no readable start LSN`);
  else if (childStart <= parentStart) findings.push(`backup ${child.id} starts at LSN ${child.record.physical!.startLsn}, not after its parent ${parent.id}'s start ${parent.record.physical!.startLsn}: the chain is out of order`);
  // The server's own word: the child's backup_label names the start LSN it was taken from.
  const from = child.label ? labelLsn(child.label, 'INCREMENTAL FROM LSN') : null;
  const start = parent.label ? labelLsn(parent.label, 'START WAL LOCATION') : null;
  if (from === null || start === null) findings.push(`the backup_label of ${from === null ? child.id : parent.id} is unreadable or lacks ${from === null ? 'INCREMENTAL FROM LSN' : 'START WAL LOCATION'}`);
  else if (parseLsn(from) !== parseLsn(start)) findings.push(`backup ${child.id} was taken incrementally from LSN ${from}, but ${parent.id} starts at ${start}: they do not chain`);
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
  const value = line?.slice(field.length + 2).trim().split(' ')[0];
  return value && parseLsn(value) !== null ? value : null;
}

/** "X/Y" (hex) as a number, or null. */
export function parseLsn(lsn: string): bigint | null {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}
