// Backup records of an incremental chain, for the unit tests of chains, retention and parent choice.
import type { BasebackupRecord, DumpDetails } from '../../../src/repository/backup-record.ts';

export const SYSTEM = '7400000000000000001';

/** A dump backup's details, as a dump of database `app` records them. */
export function dumpDetails(pgDumpVersion = '17.7'): DumpDetails {
  return {
    database: 'app',
    snapshot: '00000003-00000002-1',
    jobs: 1,
    globalsFile: 'globals.sql',
    dumpDir: 'dump',
    encoding: 'UTF8',
    collate: 'C',
    ctype: 'C',
    pgDumpVersion,
  };
}

/** A PostgreSQL 17 basebackup record; `parent` and `chain` make it incremental. */
export function chainRecord(
  id: string,
  startLsn: string,
  options: { parent?: string; chain?: string[]; system?: string; scenario?: string; startedAt?: string } = {},
): BasebackupRecord {
  const startedAt = options.startedAt ?? '2026-12-01T10:00:00.000Z';
  return {
    formatVersion: 2,
    id,
    method: 'basebackup',
    scenario: options.scenario ?? 'shop',
    startedAt,
    finishedAt: startedAt,
    durationMs: 1000,
    sizeBytes: 1000,
    source: {
      kind: 'managed',
      major: 17,
      serverVersion: '17.7',
      database: 'app',
      systemIdentifier: options.system ?? SYSTEM,
    },
    expectationsFile: null,
    historyFile: null,
    physical: {
      dataDir: 'data',
      label: id,
      startLsn,
      stopLsn: startLsn,
      timeline: 1,
      startSegment: '000000010000000000000004',
      stopSegment: '000000010000000000000004',
      walSegmentSize: 16 * 1024 * 1024,
      systemIdentifier: options.system ?? SYSTEM,
      dataChecksums: true,
      superuser: 'postgres',
      tablespaces: [],
      hazards: [],
      toolVersion: '17.7',
      ...(options.parent
        ? { incremental: { parent: options.parent, chain: options.chain ?? [options.parent], fromLsn: '0/0' } }
        : {}),
    },
  };
}

/** The backup_label pg_basebackup 17 writes: a full backup's, or an incremental's with INCREMENTAL FROM LSN. */
export function label(startLsn: string, fromLsn?: string): string {
  return [
    `START WAL LOCATION: ${startLsn} (file 000000010000000000000004)`,
    'CHECKPOINT LOCATION: 0/4000080',
    'BACKUP METHOD: streamed',
    'BACKUP FROM: primary',
    'START TIME: 2026-12-02 08:15:31 UTC',
    'LABEL: pg_basebackup base backup',
    'START TIMELINE: 1',
    ...(fromLsn ? [`INCREMENTAL FROM LSN: ${fromLsn}`, 'INCREMENTAL FROM TLI: 1'] : []),
    '',
  ].join('\n');
}

/** The parts of a backup_manifest pg_basebackup 17 writes that a chain is checked by (its files left out). */
export function manifest(startLsn: string, system = SYSTEM): string {
  return `{ "PostgreSQL-Backup-Manifest-Version": 2,
"System-Identifier": ${system},
"Files": [
{ "Path": "backup_label", "Size": 281, "Last-Modified": "2026-12-02 08:15:32 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "0325a540" }
],
"WAL-Ranges": [
{ "Timeline": 1, "Start-LSN": "${startLsn}", "End-LSN": "0/FF000120" }
],
"Manifest-Checksum": "85572ee83bd39169722f90d057a7b30e87725e1a1584e57dc25666807b754e15"}
`;
}
