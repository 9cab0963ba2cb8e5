// PostgreSQL refuses to run as root: when we are root, its server-side tools run as `postgres`.
import { execFileSync } from 'node:child_process';
import { EnvironmentError } from './errors.ts';

export interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

let cached: OsUser | null | undefined;

/** The unprivileged user to run clusters as, or null when we are not root (run as ourselves). */
export function clusterOsUser(): OsUser | null {
  if (cached !== undefined) return cached;
  if (process.getuid?.() !== 0) return (cached = null);
  const name = process.env.RECOVERABLE_OS_USER ?? 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return (cached = { uid, gid, name });
  } catch (cause) {
    throw new EnvironmentError(
      'no-cluster-user',
      `running as root, but there is no user "${name}" to run PostgreSQL as`,
      {
        hint: `PostgreSQL refuses to run as root: create the user (useradd --system ${name}) or set RECOVERABLE_OS_USER to an unprivileged user`,
        cause,
      },
    );
  }
}
