// Regenerate schemas/*.json from the zod schemas (npm run schemas); a unit test fails while they differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema, SCENARIO_SCHEMA_FILE } from '../src/scenario/json-schema.ts';
import { resultJsonSchema, RESULT_SCHEMA_FILE } from '../src/run/result-schema.ts';

for (const [file, schema] of [
  [SCENARIO_SCHEMA_FILE, scenarioJsonSchema()],
  [RESULT_SCHEMA_FILE, resultJsonSchema()],
] as const) {
  writeFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
