// `recoverable list <scenario>`: the backups in the repository, oldest first.
import { loadScenario } from '../scenario/load.ts';
import { LocalRepository } from '../repository/local-repository.ts';
import { formatBytes, formatDuration } from '../report/format.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  const backups = await new LocalRepository(scenario.repository).list();
  if (args.json) {
    process.stdout.write(`${JSON.stringify(backups.map((b) => b.record), null, 2)}\n`);
    return 0;
  }
  if (backups.length === 0) {
    process.stdout.write(`no backups in ${scenario.repository}\n`);
    return 0;
  }
  const rows = backups.map((b) => [b.record.id, b.record.method, `PostgreSQL ${b.record.source.serverVersion}`, b.record.startedAt, formatBytes(b.record.sizeBytes), formatDuration(b.record.durationMs)]);
  const header = ['id', 'method', 'source', 'taken', 'size', 'took'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}
