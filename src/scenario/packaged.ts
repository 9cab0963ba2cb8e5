// Files shipped beside the code (in the checkout and in the npm package alike): found from this module's URL.
import { fileURLToPath } from 'node:url';

// src/scenario/ and dist/scenario/ both sit two levels below the package root.
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** Absolute path of a file shipped at the package root, e.g. `fixtures/shop.sql`. */
export function packagedFile(relative: string): string {
  return fileURLToPath(new URL(relative, PACKAGE_ROOT));
}

/** The quickstart scenario and the fixture it loads, as paths relative to the directory it runs from. */
export const QUICKSTART = { scenario: 'scenarios/quickstart.yaml', fixtures: ['fixtures/shop.sql'] } as const;
