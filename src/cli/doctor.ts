// `recoverable doctor [scenario]`: what is installed, and whether a scenario can run here.
import { discoverBinaries, requireBinaries, candidateBinDirs } from '../env/binaries.ts';
import { loadScenario } from '../scenario/load.ts';
import { RecoverableError } from '../core/errors.ts';
import type { CommandContext } from './context.ts';

const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_amcheck', 'pg_basebackup', 'pg_verifybackup', 'pg_checksums', 'pg_waldump'];

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const found = discoverBinaries();
  out(`PostgreSQL binaries (searched: ${candidateBinDirs().join(', ') || 'nothing'}):`);
  if (found.length === 0) out('  none found: apt-get install postgresql-15 postgresql-contrib, or set RECOVERABLE_PG_BIN');
  for (const bin of found) {
    const missing = TOOLS.filter((t) => {
      try {
        requireBinaries(bin.major, [t]);
        return false;
      } catch {
        return true;
      }
    });
    out(`  ${bin.major} (${bin.version}) ${bin.dir}${missing.length ? `  missing: ${missing.join(', ')}` : ''}`);
  }
  if (!args.scenario) return found.length ? 0 : 3;
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  const majors = new Set<number>();
  if (scenario.source.kind === 'managed') majors.add(scenario.source.version);
  for (const v of scenario.restore.matrix?.version ?? (scenario.restore.version ? [scenario.restore.version] : [])) majors.add(v);
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
  return ok ? 0 : 3;
}
