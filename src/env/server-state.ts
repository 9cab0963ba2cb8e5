// Whether a server is running, judged from `pg_ctl status` and the postmaster.pid it reads.

/** What was seen of a server: pg_ctl status's exit code and the first line of its postmaster.pid. */
export interface ServerEvidence {
  /** 0: running; 3: not running; anything else (1 for an empty or half-written pid file): not a verdict. */
  statusExit: number | undefined;
  /** The pid file's first line; null when there is no pid file. */
  pidLine: string | null;
}

/**
 * The judgement `pg_ctl status` leaves open, and what settles it: `running`, `stopped`, or `probe` (ask whether
 * the pid on the file's first line is alive). Only exit 3, a pid file gone, or a dead postmaster mean stopped: a
 * postmaster that has just created its pid file and not yet written it makes pg_ctl exit 1, and is starting.
 */
export function serverState(evidence: ServerEvidence): 'running' | 'stopped' | { probe: number } {
  if (evidence.statusExit === 0) return 'running';
  if (evidence.statusExit === 3 || evidence.pidLine === null) return 'stopped';
  const pid = postmasterPidOf(evidence.pidLine);
  return pid === null ? 'running' : { probe: pid };
}

/** The postmaster's pid from a pid file's first line, or null when it is not (yet) written. */
export function postmasterPidOf(firstLine: string): number | null {
  const text = firstLine.trim();
  if (!/^\d+$/.test(text)) return null;
  const pid = Number(text);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Whether a failed `kill -0 <pid>` still leaves the postmaster alive: exit 1 is "no such process" (the probe runs as
 * root, so never "not permitted"); any other failure (no shell, a runtime hiccup) settles nothing, and the server is
 * taken as still there, to be looked at again.
 */
export function probeSaysAlive(killExit: number | undefined): boolean {
  return killExit !== 1;
}
