// `recoverable doctor [scenario]`: what is installed, and whether a scenario can run here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.ts';
import { discoverBinaries, discoverInstallations, requireBinaries } from '../env/binaries.ts';
import { searchedPlaces } from '../env/bin-layouts.ts';
import { loadScenario } from '../scenario/load.ts';
import { RecoverableError } from '../core/errors.ts';
import type { CommandContext } from './context.ts';
import type { Scenario } from '../scenario/types.ts';

const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_amcheck', 'pg_basebackup', 'pg_verifybackup', 'pg_checksums', 'pg_waldump'];

// Whether the engine answers, and which postgres images it holds.
async function dockerReport(out: (line: string) => boolean): Promise<void> {
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  const endpoint = engineEndpoint();
  const probe = await probeEngine(endpoint);
  if (probe.reachable !== true) {
    out(`docker: no engine answers at ${endpoint.description} (restore.environment: docker needs one)`);
    return;
  }
  out(`docker: engine at ${endpoint.description}${probe.hasBridge === false ? ' (no bridge network: host networking)' : ''}`);
  try {
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { label: 'docker images' });
    const images = stdout.split('\n').filter((l) => /postgres/.test(l)).sort();
    out(`  images: ${images.length ? images.join(', ') : 'none with postgres in the name (docker pull postgres:17)'}`);
  } catch {
    out('  images: unknown (no docker CLI on PATH)');
  }
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)));
}

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const found = discoverBinaries();
  const all = discoverInstallations();
  out(`PostgreSQL binaries (searched, in order: ${searchedPlaces()}):`);
  if (found.length === 0) out('  none found: apt-get install postgresql-15 postgresql-contrib (or dnf/brew), set RECOVERABLE_PG_BIN, or use --environment docker');
  for (const bin of found) {
    const missing = TOOLS.filter((t) => !existsSync(join(bin.dir, t)));
    const shadowed = all.filter((other) => other.major === bin.major && other !== bin).map((other) => `${other.dir} (${other.via})`);
    out(`  ${bin.major} (${bin.version}) ${bin.dir}, found through ${bin.via}${missing.length ? `  missing: ${missing.join(', ')}` : ''}`);
    if (shadowed.length) out(`    also found, not used: ${shadowed.join(', ')}`);
  }
  await dockerReport(out);
  out(`snapshots: copy driver always; btrfs driver ${hasCommand('btrfs') ? 'available (btrfs-progs installed; PGDATA and tablespaces must be subvolumes)' : 'unavailable (install btrfs-progs)'}`);
  if (!args.scenario) return found.length ? 0 : 3;
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  const majors = scenarioMajors(scenario);
  if (scenario.restore.environment === 'docker') return (await imagesReady(scenario, majors, out)) ? 0 : 3;
  let ok = true;
  for (const major of majors) {
    try {
      requireBinaries(major, ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore']);
      out(`scenario ${scenario.name}: PostgreSQL ${major} ready`);
    } catch (error) {
      ok = false;
      out(`scenario ${scenario.name}: ${(error as RecoverableError).message}${(error as RecoverableError).hint ? `\n  hint: ${(error as RecoverableError).hint}` : ''}`);
    }
  }
  if (ok) return 0;
  // What `drill` does then: Docker, when an engine answers (see chooseEnvironment).
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  if ((await probeEngine(engineEndpoint())).reachable !== true) return 3;
  out(`scenario ${scenario.name}: drill will run it in Docker instead (an engine answers; --environment local insists on local)`);
  const inDocker = await loadScenario(String(args.scenario), { cwd: ctx.cwd, environment: 'docker' });
  return (await imagesReady(inDocker, scenarioMajors(inDocker), out)) ? 0 : 3;
}

// The majors a drill of `scenario` runs: a managed source's, and each it restores into.
function scenarioMajors(scenario: Scenario): Set<number> {
  const majors = new Set<number>();
  if (scenario.source.kind === 'managed') majors.add(scenario.source.version);
  for (const v of scenario.restore.matrix?.version ?? (scenario.restore.version ? [scenario.restore.version] : [])) majors.add(v);
  return majors;
}

// Whether every image a docker drill of `scenario` needs is in the engine, one line each.
async function imagesReady(scenario: Scenario, majors: ReadonlySet<number>, out: (line: string) => boolean): Promise<boolean> {
  let ok = true;
  for (const major of majors) {
    const image = scenario.restore.image && !scenario.restore.matrix && major !== (scenario.source.kind === 'managed' ? scenario.source.version : -1) ? scenario.restore.image : `postgres:${major}`;
    const present = await run('docker', ['image', 'inspect', image], { label: 'docker image inspect' }).then(() => true, () => false);
    if (!present) ok = false;
    out(`scenario ${scenario.name}: ${image} ${present ? 'present' : `missing (docker pull ${image}, or build one with PostgreSQL ${major} on PATH)`}`);
  }
  return ok;
}
