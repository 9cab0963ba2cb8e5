// `recoverable init [file]`: write a commented starter scenario, never over an existing file.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { starterScenario } from '../scenario/init-template.ts';
import { UsageError } from '../core/errors.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const file = resolve(ctx.cwd, String(args.file));
  if (existsSync(file) && !args.force) throw new UsageError(`${file} already exists`, { hint: 'choose another file name, or pass --force to overwrite it' });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, starterScenario());
  process.stdout.write(`wrote ${file}\nrun it with: recoverable drill ${String(args.file)}\n`);
  return 0;
}
