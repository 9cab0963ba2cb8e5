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
import { planDrill } from '../drill/plan.ts';

const TOOLS = [
  'initdb',
  'pg_ctl',
  'postgres',
  'psql',
  'pg_dump',
  'pg_dumpall',
  'pg_restore',
  'pg_amcheck',
  'pg_basebackup',
  'pg_verifybackup',
  'pg_checksums',
  'pg_waldump',
];

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
    return [
      {
        section: 'docker',
        ok: true,
        text: `no engine answers at ${endpoint.description}: the engine is not running or not reachable (restore.environment: docker needs one)`,
        fix: 'start the Docker engine (e.g. systemctl start docker), or set DOCKER_HOST',
      },
    ];
  }
  const lines: Line[] = [
    {
      section: 'docker',
      ok: true,
      text: `engine at ${endpoint.description}${probe.hasBridge === false ? ' (no bridge network: host networking)' : ''}`,
    },
  ];
  try {
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], {
      label: 'docker images',
    });
    const images = stdout
      .split('\n')
      .filter((l) => /postgres/.test(l))
      .sort();
    lines.push({
      section: 'docker',
      ok: true,
      text: `images: ${images.length ? images.join(', ') : 'none with postgres in the name (docker pull postgres:17)'}`,
    });
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
  if (found.length === 0)
    lines.push({
      section: 'binaries',
      ok: false,
      text: '  none found',
      fix: 'apt-get install postgresql-15 postgresql-contrib (or dnf/brew), set RECOVERABLE_PG_BIN, or use --environment docker',
    });
  for (const bin of found) {
    const missing = TOOLS.filter((t) => !existsSync(join(bin.dir, t)));
    const shadowed = all
      .filter((other) => other.major === bin.major && other !== bin)
      .map((other) => `${other.dir} (${other.via})`);
    lines.push({
      section: 'binaries',
      ok: true,
      text: `  ${bin.major} (${bin.version}) ${bin.dir}, found through ${bin.via}${missing.length ? `  missing: ${missing.join(', ')}` : ''}`,
    });
    if (shadowed.length)
      lines.push({ section: 'binaries', ok: true, text: `    also found, not used: ${shadowed.join(', ')}` });
  }
  lines.push(...(await dockerLines()));
  lines.push({
    section: 'snapshots',
    ok: true,
    text: `copy driver always; btrfs driver ${hasCommand('btrfs') ? 'available (btrfs-progs installed; PGDATA and tablespaces must be subvolumes)' : 'unavailable (install btrfs-progs)'}`,
  });
  let code = found.length ? 0 : 3;
  if (args.scenario) code = await scenarioLines(String(args.scenario), ctx, lines);
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: code === 0, exitCode: code, findings: lines.map((l) => ({ section: l.section, ok: l.ok, text: l.text.trim(), ...(l.fix ? { fix: l.fix } : {}) })) }, null, 2)}\n`,
    );
  } else {
    for (const line of lines)
      process.stdout.write(
        `${line.section === 'binaries' ? '' : `${line.section}: `}${line.text}${line.ok || !line.fix ? '' : `\n  fix: ${line.fix}`}\n`,
      );
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
    lines.push({
      section,
      ok: finding.ok,
      text: `${finding.topic}: ${finding.detail}`,
      ...(finding.fix ? { fix: finding.fix } : {}),
    });
    if (!finding.ok) ready = false;
  }
  return ready ? 0 : 3;
}

// Local binaries of every major the plan names, else (as `drill` would) Docker with the plan's images.
async function environmentReady(
  scenario: Scenario,
  file: string,
  ctx: CommandContext,
  section: string,
  lines: Line[],
): Promise<boolean> {
  if (scenario.restore.environment === 'docker') return imagesReady(scenario, section, lines);
  let ok = true;
  const plan = planDrill(scenario);
  // One line per major (the source's and a restore's tools together), then the pg_upgrade rehearsal's.
  const majors = new Map<number, Set<string>>();
  for (const need of plan.binaries.filter((n) => n.purpose !== 'upgrade'))
    majors.set(need.major, new Set([...(majors.get(need.major) ?? []), ...need.tools]));
  for (const [major, tools] of majors)
    ok = binariesLine(major, [...tools], `PostgreSQL ${major} ready`, '', section, lines) && ok;
  for (const need of plan.binaries.filter((n) => n.purpose === 'upgrade'))
    ok =
      binariesLine(
        need.major,
        need.tools,
        `PostgreSQL ${need.major} ready for pg_upgrade`,
        'pg_upgrade rehearsal: ',
        section,
        lines,
      ) && ok;
  if (ok) return true;
  // What `drill` does then: Docker, when an engine answers (see chooseEnvironment).
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  if ((await probeEngine(engineEndpoint())).reachable !== true) return false;
  lines.push({
    section,
    ok: true,
    text: 'drill will run it in Docker instead (an engine answers; --environment local insists on local)',
  });
  const inDocker = await loadScenario(file, { cwd: ctx.cwd, environment: 'docker' });
  return imagesReady(inDocker, section, lines);
}

// Whether one major's tools are installed here: its line, ready or the missing tool with its fix.
function binariesLine(
  major: number,
  tools: readonly string[],
  ready: string,
  prefix: string,
  section: string,
  lines: Line[],
): boolean {
  try {
    requireBinaries(major, tools);
    lines.push({ section, ok: true, text: ready });
    return true;
  } catch (error) {
    const e = error as RecoverableError;
    lines.push({ section, ok: false, text: `${prefix}${e.message}`, ...(e.hint ? { fix: e.hint } : {}) });
    return false;
  }
}

// Whether every image the plan of a docker drill names is in the engine, one line each.
async function imagesReady(scenario: Scenario, section: string, lines: Line[]): Promise<boolean> {
  const needs = planDrill(scenario).images;
  const present: string[] = [];
  for (const need of needs) {
    if (
      await run('docker', ['image', 'inspect', need.image], { label: 'docker image inspect' }).then(
        () => true,
        () => false,
      )
    )
      present.push(need.image);
  }
  const plan = planDrill(scenario, { installedMajors: null, engineAnswers: true, images: present });
  for (const need of plan.images) {
    const held = !plan.missing.images.includes(need.image);
    // A pg_upgrade rehearsal restores in an image holding both majors.
    if (need.upgradeTo !== undefined) {
      lines.push({
        section,
        ok: held,
        text: `${need.image} (PostgreSQL ${need.major} and ${need.upgradeTo} for pg_upgrade) ${held ? 'present' : 'missing'}`,
        ...(held
          ? {}
          : {
              fix: `PG_IMAGES_UPGRADES="${need.major}-${need.upgradeTo}" bash .ci/pg-images.sh, or build it from the official images as the README's "pg_upgrade rehearsals" shows`,
            }),
      });
    } else {
      lines.push({
        section,
        ok: held,
        text: `${need.image} ${held ? 'present' : 'missing: the engine runs, the image is not there'}`,
        ...(held ? {} : { fix: `docker pull ${need.image}, or build one with PostgreSQL ${need.major} on PATH` }),
      });
    }
  }
  return plan.missing.images.length === 0;
}
