// The self-test's scenarios: one clean drill per method on the managed source, and the same drill aimed at a fault.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../scenario/load.ts';
import type { Scenario, Target } from '../scenario/types.ts';
import type { BackupMethod, EnvironmentKind } from './fault.ts';
import { writeSelftestFixture } from './fixture.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** One method's clean scenario: what it backs up and where it restores. */
export interface CleanScenarioInput {
  method: BackupMethod;
  environment: EnvironmentKind;
  version: number;
  /** The method's private directory: scenario, fixture, repository. */
  dir: string;
  /** Check kinds left out (a test seam that weakens every drill). */
  dropChecks: readonly string[];
}

// Small but complete: every check on, a workload and marker batches for the physical methods' targets.
function yaml(input: CleanScenarioInput, selftestFixture: string, signingKey: string): string {
  const snapshot = input.method === 'snapshot';
  const fixtures = [
    join(FIXTURES, 'shop.sql'),
    ...(snapshot ? [join(FIXTURES, 'tablespace.sql')] : []),
    selftestFixture,
  ];
  return `name: selftest-${input.method}
source:
  managed:
    version: ${input.version}
    fixtures: [${fixtures.map((f) => JSON.stringify(f)).join(', ')}]${snapshot ? '\n    tablespaces: [archive]' : ''}
    workload: { seed: 42, transactions: 200 }
repository: ${JSON.stringify(join(input.dir, 'repository'))}
backup:
  method: ${input.method}
  jobs: 2${snapshot ? '\n  snapshot: { driver: copy }' : ''}
restore:
  environment: ${input.environment}
  targets: [${input.method === 'dump' ? 'immediate' : 'immediate, latest'}]
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, { amcheck: { heapallindexed: true } }]
report: { dir: ${JSON.stringify(join(input.dir, 'reports'))}, formats: [json] }
evidence: { signingKey: { file: ${JSON.stringify(signingKey)} }, require: signed }
`;
}

// A key pair for this self-test only, beside (never inside) the repository: every backup it takes is signed.
async function writeThrowawayKey(dir: string): Promise<string> {
  const keys = join(dir, 'keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  const file = join(keys, 'signing.pem');
  await writeFile(file, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), {
    mode: 0o600,
  });
  return file;
}

/** Write and load the clean scenario of one method (its backups signed), through the same loader as any scenario file. */
export async function cleanScenario(input: CleanScenarioInput): Promise<Scenario> {
  await mkdir(input.dir, { recursive: true, mode: 0o755 });
  const fixture = await writeSelftestFixture(input.dir);
  const file = join(input.dir, 'scenario.yaml');
  await writeFile(file, yaml(input, fixture, await writeThrowawayKey(input.dir)), { mode: 0o644 });
  const scenario = await loadScenario(file, { cwd: input.dir });
  return { ...scenario, checks: scenario.checks.filter((c) => !input.dropChecks.includes(c.kind)) };
}

/**
 * The clean scenario restoring stored backup `id` of `repository` instead of taking one; one target unless told. It
 * keeps the clean scenario's name: `backup.use` restores only backups of the scenario that asks.
 */
export function reuseBackup(base: Scenario, repository: string, id: string, targets?: Target[]): Scenario {
  return {
    ...base,
    repository,
    backup: { ...base.backup, use: id },
    restore: { ...base.restore, targets: targets ?? base.restore.targets.slice(0, 1) },
  };
}
