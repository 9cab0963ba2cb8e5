// A private workspace per test: its own work root for temporary clusters, repository and reports.
import { mkdtemp, rm, readdir, chmod, cp, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './cli.ts';

export interface Workspace {
  dir: string;
  /** RECOVERABLE_WORK_DIR for runs in this workspace: every temporary cluster lives here. */
  workDir: string;
  env: Record<string, string>;
  /** Write a scenario file into the workspace and return its path. */
  scenario(name: string, yaml: string): Promise<string>;
  /** Temporary clusters left in the work dir (must be none after a run). */
  leftoverDirs(): Promise<string[]>;
  /** PostgreSQL processes whose command line mentions this workspace (must be none after a run). */
  leftoverProcesses(): string[];
  dispose(): Promise<void>;
}

/** Make a workspace; `owner` chowns it (for runs as an unprivileged user). */
export async function workspace(owner?: { uid: number; gid: number }): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-test-'));
  await chmod(dir, 0o755);
  const workDir = join(dir, 'work');
  await cp(join(ROOT, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
  await execFileSync('mkdir', ['-p', workDir]);
  if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
  const ws: Workspace = {
    dir,
    workDir,
    env: { RECOVERABLE_WORK_DIR: workDir },
    async scenario(name, yaml) {
      const file = join(dir, name);
      await writeFile(file, yaml);
      if (owner) await chown(file, owner.uid, owner.gid);
      return file;
    },
    async leftoverDirs() {
      return (await readdir(workDir)).filter((n) => n.startsWith('recoverable-'));
    },
    leftoverProcesses() {
      const ps = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' });
      return ps.split('\n').filter((l) => l.includes(workDir) && !/\sZ/.test(l) && !l.includes(' ps '));
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

/** A small managed dump scenario rooted in the workspace. */
export function dumpScenario(
  ws: Workspace,
  extra: {
    name?: string;
    transactions?: number;
    use?: string;
    checks?: string;
    restore?: string;
    version?: number;
    repository?: string;
  } = {},
): string {
  return `name: ${extra.name ?? 'dump-drill'}
source:
  managed:
    version: ${extra.version ?? 15}
    fixtures: [${ws.dir}/fixtures/shop.sql]
    workload: { seed: 7, transactions: ${extra.transactions ?? 200} }
repository: ${extra.repository ?? `${ws.dir}/repo`}
backup:
  method: dump
  jobs: 2${extra.use ? `\n  use: ${extra.use}` : ''}
restore:
  environment: local${extra.restore ?? ''}
checks: ${extra.checks ?? '[rowcounts, fingerprints, schema, sequences, large-objects, roles, { amcheck: { heapallindexed: true } }]'}
objectives: { rto: 10m }
report: { dir: ${ws.dir}/reports, formats: [json, junit, markdown, html] }
`;
}
