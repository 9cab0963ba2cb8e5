// How fast `recoverable --help` answers (the goal: under 200 ms), beside a bare Node start on the same machine.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, say } from './util.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const GOAL_MS = 200;

// Wall time of one child process, in milliseconds.
function timed(args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return performance.now() - started;
}

/** Print the median time of `--help` over `rounds` runs (after one to warm the compile cache) and of `node -e 0`. */
export function benchHelp(rounds = 10): void {
  timed([MAIN, '--help']);
  const help = median(Array.from({ length: rounds }, () => timed([MAIN, '--help'])));
  const bare = median(Array.from({ length: rounds }, () => timed(['-e', '0'])));
  say(`recoverable --help (from src/) ${help.toFixed(0)} ms median of ${rounds} (node alone ${bare.toFixed(0)} ms; goal < ${GOAL_MS} ms): ${help < GOAL_MS ? 'ok' : 'OVER GOAL'}`);
}
