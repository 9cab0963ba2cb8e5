// Small helpers shared by the bench's sections: statistics and how figures print.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

export function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '-'}${seconds(Math.abs(ms))}`;
}

export function mib(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MiB`;
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One row of a phase table: medians of each side, and the difference. */
export function phaseRow(name: string, raw: number, drill: number): string {
  return `${name.padEnd(54)}${seconds(raw).padStart(9)}${seconds(drill).padStart(9)}${signed(drill - raw).padStart(9)}`;
}

export function phaseHeader(): string {
  return `${'phase (medians)'.padEnd(54)}${'raw'.padStart(9)}${'drill'.padStart(9)}${'diff'.padStart(9)}`;
}

/** Print the per-phase table (medians of raw vs drill) and return each phase's gap in milliseconds. */
export function printPhaseTable<R, D>(
  rows: ReadonlyArray<readonly [string, (r: R) => number, (d: D) => number]>,
  raw: readonly R[],
  drills: readonly D[],
): Array<[string, number]> {
  say(phaseHeader());
  return rows.map(([name, rawMs, drillMs]) => {
    const r = median(raw.map(rawMs));
    const d = median(drills.map(drillMs));
    say(phaseRow(name, r, d));
    return [name, d - r];
  });
}
