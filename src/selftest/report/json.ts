// selftest.json: the self-test's result as data, the source the other reports render.
import type { SelftestResult } from '../result.ts';

/** Render the result as JSON, 2-space indent, trailing newline. */
export function renderSelftestJson(result: SelftestResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
