// Chain validation: each way a chain can break is named; a sound chain has no findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chainFindings,
  labelLsn,
  manifestFacts,
  parseLsn,
  type ChainLink,
} from '../../../src/repository/backup-chain.ts';
import type { BackupRecord } from '../../../src/repository/backup-record.ts';
import { chainRecord, label, manifest } from './incremental-records.ts';

// full (0/2000028) ← i1 (0/4000028) ← i2 (0/6000028), as pg_basebackup 17 left them.
function sound(): { links: ChainLink[]; child: ChainLink & { record: BackupRecord } } {
  return {
    links: [
      {
        id: 'full',
        record: chainRecord('full', '0/2000028'),
        label: label('0/2000028'),
        manifest: manifest('0/2000028'),
      },
      {
        id: 'i1',
        record: chainRecord('i1', '0/4000028', { parent: 'full', chain: ['full'] }),
        label: label('0/4000028', '0/2000028'),
        manifest: manifest('0/4000028'),
      },
    ],
    child: {
      id: 'i2',
      record: chainRecord('i2', '0/6000028', { parent: 'i1', chain: ['full', 'i1'] }),
      label: label('0/6000028', '0/4000028'),
      manifest: manifest('0/6000028'),
    },
  };
}

test('a full backup and two incrementals that chain by start LSN have no findings', () => {
  const { links, child } = sound();
  assert.deepEqual(chainFindings(child, links), []);
});

test('a missing middle backup is named as missing', () => {
  const { links, child } = sound();
  links[1] = { id: 'i1', record: null, label: null, manifest: null };
  const findings = chainFindings(child, links);
  assert.equal(findings.length, 1, findings.join('\n'));
  assert.match(findings[0]!, /backup i1 \(the parent, backup 2 of the chain of i2\) is missing from the repository/);
});

test('a backup of another cluster in the chain is named with both system identifiers', () => {
  const { links, child } = sound();
  links[0]!.record = chainRecord('full', '0/2000028', { system: '7400000000000000999' });
  const findings = chainFindings(child, links);
  assert.deepEqual(findings, [
    'backup full is of system identifier 7400000000000000999, but i2 is of 7400000000000000001: a chain belongs to one cluster',
  ]);
});

test('a chain listed in the wrong order is refused: the first is incremental, parents do not match, starts go backwards', () => {
  const { links, child } = sound();
  const findings = chainFindings(child, [links[1]!, links[0]!]);
  assert.ok(
    findings.some((f) =>
      /backup i1 begins the chain of i2 but is itself incremental \(from LSN 0\/2000028\): the first backup must be a full one/.test(
        f,
      ),
    ),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) =>
      /backup full starts at LSN 0\/2000028, not after its parent i1's start 0\/4000028: the chain is out of order/.test(
        f,
      ),
    ),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) => /backup i2 was taken from i1, but the chain puts full before it/.test(f)),
    findings.join('\n'),
  );
});

test("a child whose backup_label was taken from another start than its parent's does not chain, even when the records agree", () => {
  const { links, child } = sound();
  child.label = label('0/6000028', '0/3000028');
  assert.deepEqual(chainFindings(child, links), [
    "backup i2 was taken incrementally from LSN 0/3000028, but i1 starts at 0/4000028 (its backup_manifest's WAL-Ranges): they do not chain",
  ]);
});

test("a backup whose backup_manifest is another cluster's is named, even when its record was made to match", () => {
  const { links, child } = sound();
  links[0]!.manifest = manifest('0/2000028', '7400000000000000999');
  assert.deepEqual(chainFindings(child, links), [
    "the backup_manifest of full is of system identifier 7400000000000000999, but i2's is of 7400000000000000001: a chain belongs to one cluster",
  ]);
});

test('an unreadable backup_manifest is a finding, never a pass', () => {
  const { links, child } = sound();
  links[0]!.manifest = null;
  assert.deepEqual(chainFindings(child, links), [
    'the backup_manifest of full is unreadable or lacks its System-Identifier or WAL-Ranges',
  ]);
});

test('a parent that starts after its child is out of order, by the records', () => {
  const { links, child } = sound();
  links[1]!.record = chainRecord('i1', '0/7000028', { parent: 'full', chain: ['full'] });
  const findings = chainFindings(child, links);
  assert.ok(
    findings.includes(
      "backup i2 starts at LSN 0/6000028, not after its parent i1's start 0/7000028: the chain is out of order",
    ),
    findings.join('\n'),
  );
});

test('an unreadable backup_label is a finding, never a pass', () => {
  const { links, child } = sound();
  child.label = null;
  const findings = chainFindings(child, links);
  assert.ok(
    findings.some((f) => /backup_label of i2 is unreadable or lacks INCREMENTAL FROM LSN/.test(f)),
    findings.join('\n'),
  );
});

test('a full backup offered as a chain is refused', () => {
  const record = chainRecord('full', '0/2000028');
  assert.deepEqual(
    chainFindings({ id: 'full', record, label: label('0/2000028'), manifest: manifest('0/2000028') }, []),
    ['backup full records no chain: it is not an incremental backup'],
  );
});

test('LSNs parse as 64-bit positions and labels give their WAL locations', () => {
  assert.equal(parseLsn('1/0'), 1n << 32n);
  assert.ok(parseLsn('0/4000028')! > parseLsn('0/2000028')!);
  assert.ok(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!);
  assert.equal(parseLsn('nonsense'), null);
  assert.equal(labelLsn(label('0/6000028', '0/4000028'), 'INCREMENTAL FROM LSN'), '0/4000028');
  assert.equal(labelLsn(label('0/6000028', '0/4000028'), 'START WAL LOCATION'), '0/6000028');
  assert.equal(labelLsn(label('0/2000028'), 'INCREMENTAL FROM LSN'), null);
  assert.deepEqual(
    manifestFacts(manifest('0/4000028', '7714617378229784593')),
    { systemIdentifier: '7714617378229784593', startLsn: '0/4000028' },
    'the identifier keeps every digit',
  );
  assert.deepEqual(manifestFacts('{}'), { systemIdentifier: null, startLsn: null });
});
