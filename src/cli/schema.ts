// `recoverable schema scenario|result`: print a JSON Schema (the same as the package's schemas/ files).
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  const schema =
    args.which === 'result'
      ? (await import('../run/result-schema.ts')).resultJsonSchema()
      : (await import('../scenario/json-schema.ts')).scenarioJsonSchema();
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
