// `recoverable doctor [scenario]`: what is installed, and whether a scenario can run here (its source asked too).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.ts';
import { discoverBinaries, discoverInstallations, requireBinaries } from '../env/binaries.ts';
import { searchedPlaces } from '../env/bin-layouts.ts';
import { loadScenario } from '../scenario/load.ts';
import { RecoverableError } from '../core/errors.ts';
import type { CommandContext } from './context.ts';
import type { Scenario } from '../scenario/types.ts';
import { preflightScenario } from './doctor-scenario.ts';
import { UPGRADE_TOOLS, upgradeImage } from '../env/environment.ts';

const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_amcheck', 'pg_basebackup', 'pg_verifybackup', 'pg_checksums', 'pg_waldump'];

/** One line of the report: human text, and whether it is a problem (what `--json` carries as `ok: false`). */
interface Line {
  section: string;
  text: string;
  ok: boolean;
  fix?: string;
}

// Whether the engine answers (not running is not the same fix as an image missing), and which postgres images it holds.
async function dockerLines(): Promise<Line[]> {
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  const endpoint = engineEndpoint();
  const probe = await probeEngine(endpoint);
  if (probe.reachable !== true) {
    return [{ section: 'docker', ok: true, text: `no engine answers at ${endpoint.description}: the engine is not running or not reachable (restore.environment: docker needs one)`, fix: 'start the Docker engine (e.g. systemctl start docker), or set DOCKER_HOST' }];
  }
  const lines: Line[] = [{ section: 'docker', ok: true, text: `engine at ${endpoint.description}${probe.hasBridge === false ? ' (no bridge network: host networking)' : ''}` }];
  try {
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { label: 'docker images' });
    const images = stdout.split('\n').filter((l) => /postgres/.test(l)).sort();
    lines.push({ section: 'docker', ok: true, text: `images: ${images.length ? images.join(', ') : 'none with postgres in the name (docker pull postgres:17)'}` });
  } catch {
    lines.push({ section: 'docker', ok: true, text: 'images: unknown (no docker CLI on PATH)' });
  }
  return lines;
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)));
}

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const lines: Line[] = [];
  const found = discoverBinaries();
  const all = discoverInstallations();
  lines.push({ section: 'binaries', ok: true, text: `PostgreSQL binaries (searched, in order: ${searchedPlaces()}):` });
  if (found.length === 0) lines.push({ section: 'binaries', ok: false, text: '  none found', fix: 'apt-get install postgresql-15 postgresql-contrib (or dnf/brew), set RECOVERABLE_PG_BIN, or use --environment docker' });
  for (const bin of found) {
    const missing = TOOLS.filter((t) => !existsSync(join(bin.dir, t)));
    const shadowed = all.filter((other) => other.major === bin.major && other !== bin).map((other) => `${other.dir} (${other.via})`);
    lines.push({ section: 'binaries', ok: true, text: `  ${bin.major} (${bin.version}) ${bin.dir}, found through ${bin.via}${missing.length ? `  missing: ${missing.join(', ')}` : ''}` });
    if (shadowed.length) lines.push({ section: 'binaries', ok: true, text: `    also found, not used: ${shadowed.join(', ')}` });
  }
  lines.push(...(await dockerLines()));
  lines.push({ section: 'snapshots', ok: true, text: `copy driver always; btrfs driver ${hasCommand('btrfs') ? 'available (btrfs-progs installed; PGDATA and tablespaces must be subvolumes)' : 'unavailable (install btrfs-progs)'}` });
  let code = found.length ? 0 : 3;
  if (args.scenario) code = await scenarioLines(String(args.scenario), ctx, lines);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok: code === 0, exitCode: code, findings: lines.map((l) => ({ section: l.section, ok: l.ok, text: l.text.trim(), ...(l.fix ? { fix: l.fix } : {}) })) }, null, 2)}\n`);
  } else {
    for (const line of lines) process.stdout.write(`${line.section === 'binaries' ? '' : `${line.section}: `}${line.text}${line.ok || !line.fix ? '' : `\n  fix: ${line.fix}`}\n`);
  }
  return code;
}

// Binaries or images for the scenario's majors, then the machine and the source as the scenario will use them.
async function scenarioLines(file: string, ctx: CommandContext, lines: Line[]): Promise<number> {
  const scenario = await loadScenario(file, { cwd: ctx.cwd });
  const section = `scenario ${scenario.name}`;
  let ready = await environmentReady(scenario, file, ctx, section, lines);
  const preflight = await preflightScenario(scenario);
  for (const finding of preflight.findings) {
    lines.push({ section, ok: finding.ok, text: `${finding.topic}: ${finding.detail}`, ...(finding.fix ? { fix: finding.fix } : {}) });
    if (!finding.ok) ready = false;
  }
  return ready ? 0 : 3;
}

// Local binaries of every major, else (as `drill` would) Docker with its images.
async function environmentReady(scenario: Scenario, file: string, ctx: CommandContext, section: string, lines: Line[]): Promise<boolean> {
  const majors = scenarioMajors(scenario);
  if (scenario.restore.environment === 'docker') return imagesReady(scenario, majors, section, lines);
  let ok = true;
  for (const major of majors) {
    try {
      requireBinaries(major, ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore']);
      lines.push({ section, ok: true, text: `PostgreSQL ${major} ready` });
    } catch (error) {
      ok = false;
      const e = error as RecoverableError;
      lines.push({ section, ok: false, text: e.message, ...(e.hint ? { fix: e.hint } : {}) });
    }
  }
  const upgrade = scenario.restore.upgrade;
  if (upgrade) {
    try {
      requireBinaries(upgrade.to, UPGRADE_TOOLS);
      lines.push({ section, ok: true, text: `PostgreSQL ${upgrade.to} ready for pg_upgrade` });
    } catch (error) {
      ok = false;
      const e = error as RecoverableError;
      lines.push({ section, ok: false, text: `pg_upgrade rehearsal: ${e.message}`, ...(e.hint ? { fix: e.hint } : {}) });
    }
  }
  if (ok) return true;
  // What `drill` does then: Docker, when an engine answers (see chooseEnvironment).
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  if ((await probeEngine(engineEndpoint())).reachable !== true) return false;
  lines.push({ section, ok: true, text: 'drill will run it in Docker instead (an engine answers; --environment local insists on local)' });
  const inDocker = await loadScenario(file, { cwd: ctx.cwd, environment: 'docker' });
  return imagesReady(inDocker, scenarioMajors(inDocker), section, lines);
}

// The majors a drill of `scenario` runs: a managed source's, and each it restores into.
function scenarioMajors(scenario: Scenario): Set<number> {
  const majors = new Set<number>();
  if (scenario.source.kind === 'managed') majors.add(scenario.source.version);
  for (const v of scenario.restore.matrix?.version ?? (scenario.restore.version ? [scenario.restore.version] : [])) majors.add(v);
  return majors;
}

// Whether every image a docker drill of `scenario` needs is in the engine, one line each.
async function imagesReady(scenario: Scenario, majors: ReadonlySet<number>, section: string, lines: Line[]): Promise<boolean> {
  let ok = true;
  for (const major of majors) {
    const image = scenario.restore.image && !scenario.restore.matrix && major !== (scenario.source.kind === 'managed' ? scenario.source.version : -1) ? scenario.restore.image : `postgres:${major}`;
    const present = await run('docker', ['image', 'inspect', image], { label: 'docker image inspect' }).then(() => true, () => false);
    if (!present) ok = false;
    lines.push({ section, ok: present, text: `${image} ${present ? 'present' : 'missing: the engine runs, the image is not there'}`, ...(present ? {} : { fix: `docker pull ${image}, or build one with PostgreSQL ${major} on PATH` }) });
  }
  // A pg_upgrade rehearsal restores in an image holding both majors (a url source's major is known only once connected).
  const upgrade = scenario.restore.upgrade;
  if (upgrade && scenario.source.kind === 'managed') {
    const image = scenario.restore.image ?? upgradeImage(scenario.source.version, upgrade.to);
    const present = await run('docker', ['image', 'inspect', image], { label: 'docker image inspect' }).then(() => true, () => false);
    if (!present) ok = false;
    lines.push({ section, ok: present, text: `${image} (PostgreSQL ${scenario.source.version} and ${upgrade.to} for pg_upgrade) ${present ? 'present' : 'missing'}`, ...(present ? {} : { fix: `PG_IMAGES_UPGRADES="${scenario.source.version}-${upgrade.to}" bash .ci/pg-images.sh, or build it from the official images as the README's "pg_upgrade rehearsals" shows` }) });
  }
  return ok;
}
