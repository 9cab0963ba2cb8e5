// restore:isolation: the restored server tries to reach a listener on this host's loopback and must not get there.
import { createServer, type Server, type Socket } from 'node:net';
import type pg from 'pg';
import type { Cluster } from '../env/cluster.ts';
import type { RestoreResult } from '../run/result.ts';
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';

/** What a probe run by the server reports: it connected, it was refused or unroutable, or it could not run at all. */
export type ProbeOutcome =
  { kind: 'connected' } | { kind: 'unreachable'; detail: string } | { kind: 'not-run'; detail: string };

// Exit codes of the probe program: 0 connected, 7 could not connect, 127 no bash or perl to try with.
const UNREACHABLE = 7;
const NO_PROBE = 127;

/**
 * The program the server runs (COPY ... TO PROGRAM, as its own OS user, in its own network namespace): bash's
 * /dev/tcp, else perl (in every Debian base), 5 s at most. Only 127.0.0.1 is ever tried.
 */
export function probeProgram(port: number): string {
  const bash = `exec 3<>/dev/tcp/127.0.0.1/${port}`;
  const perl = `use IO::Socket::INET; exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${port}, Timeout => 5) ? 0 : ${UNREACHABLE})`;
  return [
    `if command -v bash >/dev/null 2>&1; then timeout 5 bash -c '${bash}' 2>/dev/null && exit 0; exit ${UNREACHABLE}; fi`,
    `if command -v perl >/dev/null 2>&1; then perl -e '${perl}'; exit $?; fi`,
    `exit ${NO_PROBE}`,
  ].join('; ');
}

/** Read a probe's outcome from COPY's error: PostgreSQL reports the program's exit code in its DETAIL. */
export function probeOutcome(error: unknown): ProbeOutcome {
  if (error === null) return { kind: 'connected' };
  const e = error as { message?: string; detail?: string };
  const text = `${e.message ?? String(error)}${e.detail ? ` (${e.detail})` : ''}`;
  const code = /exit code (\d+)/.exec(e.detail ?? e.message ?? '')?.[1];
  if (code === String(UNREACHABLE)) return { kind: 'unreachable', detail: text };
  return { kind: 'not-run', detail: text };
}

/** Listen on 127.0.0.1 (a free port other than `avoid`) and count who connects. */
async function listen(
  avoid: number | null,
): Promise<{ server: Server; port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The server's own port number: inside the container the probe would reach the server itself, not this host.
  if (port === avoid) {
    const other = await listen(avoid);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return other;
  }
  return {
    server,
    port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Prove a restored server cannot reach this host: it tries the host's loopback, where a listener waits. Passes only when
 * the probe ran, could not connect, and the listener saw nobody; `cut` says what the environment took away.
 */
export async function isolationCheck(
  client: pg.Client,
  cut: string,
  serverPort: number | null = null,
): Promise<CheckResult> {
  const started = performance.now();
  const listener = await listen(serverPort);
  let error: unknown = null;
  try {
    // COPY TO a program runs it on the server's side, as the server's user: a read-only statement, fine on a standby.
    await client.query(`copy (select 1) to program '${probeProgram(listener.port).replace(/'/g, "''")}'`);
  } catch (e) {
    error = e;
  }
  // A connection may still be in flight when the program exits: let the event loop take it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seen = listener.connections();
  await listener.close();
  const outcome = probeOutcome(error);
  const ms = Math.round(performance.now() - started);
  const where = `127.0.0.1:${listener.port} on this host`;
  if (seen > 0 || outcome.kind === 'connected') {
    return fail(
      'isolation',
      'restore:isolation',
      'exact',
      'unreachable',
      'reached',
      `the restored server reached a listener at ${where} (${seen} connection(s)): a restore could touch what runs beside it; ${cut}`,
      ms,
    );
  }
  if (outcome.kind === 'not-run') {
    return {
      id: 'restore:isolation',
      kind: 'isolation',
      status: 'errored',
      exactness: 'not-available',
      expected: 'unreachable',
      actual: 'not probed',
      message: `could not probe the restored server's network (needs COPY TO PROGRAM and bash or perl in the image): ${outcome.detail}`,
      durationMs: ms,
    };
  }
  return pass(
    'isolation',
    'restore:isolation',
    'exact',
    'unreachable',
    'unreachable',
    `the restored server could not reach a listener at ${where}, which saw no connection; ${cut}`,
    ms,
  );
}

/** The isolation check of a restore in a container (none for local restores: they share this host by design). */
export async function containerIsolationCheck(
  cluster: Cluster,
  environment: RestoreResult['environment'],
): Promise<CheckResult | null> {
  if (environment.kind !== 'docker') return null;
  const cut =
    environment.network === 'none'
      ? 'the container has no network (NetworkMode none: its own loopback only), and archiving, replication and subscription workers are off'
      : `the container shares the host's network (NetworkMode ${environment.network ?? 'unknown'})`;
  const client = await cluster.connect('postgres');
  try {
    return await isolationCheck(client, cut, cluster.connection.port);
  } finally {
    await client.end();
  }
}
