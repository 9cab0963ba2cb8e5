// `recoverable init [file]`: write a commented starter scenario (or the quickstart and its fixture), never over an existing file.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { schemaLine, starterScenario } from '../scenario/init-template.ts';
import { SCENARIO_SCHEMA_FILE } from '../scenario/json-schema.ts';
import { packagedFile, QUICKSTART } from '../scenario/packaged.ts';
import { UsageError } from '../core/errors.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const quickstart = Boolean(args.quickstart);
  const name = typeof args.file === 'string' ? args.file : quickstart ? QUICKSTART.scenario : 'scenarios/my-drill.yaml';
  const file = resolve(ctx.cwd, name);
  refuseOverwrite(file, Boolean(args.force));
  await mkdir(dirname(file), { recursive: true });
  if (quickstart) {
    // The quickstart names its fixture relative to the directory it runs from: put the fixture there.
    for (const fixture of QUICKSTART.fixtures) await writeFixture(fixture, ctx.cwd, Boolean(args.force));
    await writeFile(file, schemaLine(schemaRef(file)) + (await readFile(packagedFile(QUICKSTART.scenario), 'utf8')));
  } else {
    await writeFile(file, starterScenario(schemaRef(file)));
  }
  process.stdout.write(`wrote ${file}\nrun it with: recoverable drill ${name}\n`);
  return 0;
}

// The installed package's scenario schema, relative to the file so the pair can move together.
function schemaRef(file: string): string {
  return relative(dirname(file), packagedFile(SCENARIO_SCHEMA_FILE));
}

function refuseOverwrite(file: string, force: boolean): void {
  if (existsSync(file) && !force)
    throw new UsageError(`${file} already exists`, {
      hint: 'choose another file name, or pass --force to overwrite it',
    });
}

// Copy a shipped fixture; one already there with the same content is left alone.
async function writeFixture(fixture: string, cwd: string, force: boolean): Promise<void> {
  const target = resolve(cwd, fixture);
  const shipped = packagedFile(fixture);
  if (existsSync(target) && (await readFile(target, 'utf8')) === (await readFile(shipped, 'utf8'))) return;
  refuseOverwrite(target, force);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(shipped, target);
  process.stdout.write(`wrote ${target}\n`);
}
