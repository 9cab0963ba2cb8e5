// The scenario file's JSON Schema, generated from the zod schema that loads it (editors complete and check with it).
import * as z from 'zod';
import { scenarioSchema, writtenShapes, omissibleBlocks } from './schema.ts';

/** Where the published schema lives, relative to the package root. */
export const SCENARIO_SCHEMA_FILE = 'schemas/scenario.schema.json';

type JsonSchema = Record<string, unknown>;

/** The JSON Schema (draft 2020-12) of a scenario file as written. */
export function scenarioJsonSchema(): JsonSchema {
  return {
    ...writtenSchema(scenarioSchema),
    title: 'Recoverable scenario',
    description: 'What to back up, where to restore it, what to check, and the objectives (recoverable drill <file>).',
  };
}

// The input side of a zod schema; values read through a transform take the shape registered for them.
function writtenSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const written = writtenShapes.get(zodSchema);
      if (written) replace(jsonSchema, withoutDialect(writtenSchema(written())));
      dropOmissibleFromRequired(zodSchema, jsonSchema);
    },
  }) as JsonSchema;
}

// A block left out means its defaults: it is never required.
function dropOmissibleFromRequired(schema: z.core.$ZodType, json: JsonSchema): void {
  const shape = (schema as unknown as { shape?: Record<string, z.core.$ZodType> }).shape;
  if (!shape || !Array.isArray(json.required)) return;
  const required = (json.required as string[]).filter((key) => !omissibleBlocks.has(shape[key]!));
  if (required.length) json.required = required;
  else delete json.required;
}

function withoutDialect(json: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = json;
  return rest;
}

function replace(target: JsonSchema, source: JsonSchema): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}
