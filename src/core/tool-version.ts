// This build's version, as package.json says: the same from src/ and from a built dist/ (both sit one level below it).
import { readFileSync } from 'node:fs';

/** The version in the package's own package.json (what `--version`, results and self-test reports show). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
