// How fast `recoverable --help` answers, beside a bare Node start on the same machine.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { judge } from './targets.ts';
import { median, say } from './util.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

// Wall time of one child process, in milliseconds.
function timed(args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return performance.now() - started;
}

/** Judge the median time of `--help` over `rounds` runs (after one to warm the compile cache) against `targetMs`. */
export function benchHelp(targetMs: number, rounds = 10): void {
  timed([MAIN, '--help']);
  const help = median(Array.from({ length: rounds }, () => timed([MAIN, '--help'])));
  const bare = median(Array.from({ length: rounds }, () => timed(['-e', '0'])));
  say(`recoverable --help from src/: median of ${rounds} runs; node -e 0 alone ${bare.toFixed(0)} ms`);
  judge('recoverable --help', `${help.toFixed(0)} ms`, `< ${targetMs} ms`, help < targetMs);
}
