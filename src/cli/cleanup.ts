// `recoverable cleanup`: remove the containers (and work dirs) of docker runs that died without cleaning up (SIGKILL, power loss).
// It talks to the engine API through testcontainers' client, not the `docker` CLI: users with only a socket (or DOCKER_HOST)
// and no CLI installed can run it, and it finds the engine exactly as the docker runtime does.
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { rm } from 'node:fs/promises';
import { LABEL, connectEngine, execInContainer, removeContainer, type DockerEngine } from '../env/docker-engine.ts';
import type { CommandContext } from './context.ts';

/** A labelled container as the engine lists it. */
export interface LabelledContainer {
  id: string;
  image: string;
  state: string;
  labels: Record<string, string>;
}

/** Which containers to remove: those of this host whose run's process is gone (or every labelled one with `all`). Pure. */
export function abandoned(
  containers: readonly LabelledContainer[],
  options: { all: boolean; host: string; isAlive: (pid: number) => boolean },
): LabelledContainer[] {
  if (options.all) return [...containers];
  return containers.filter((c) => {
    if (c.labels[LABEL.host] !== options.host) return false; // another machine's run: its pid means nothing here
    const pid = Number(c.labels[LABEL.pid]);
    return Number.isInteger(pid) && pid > 0 && !options.isAlive(pid);
  });
}

/** Whether a process with this pid exists on this machine (EPERM: it does, it is just not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const engine = await connectEngine(ctx.log);
  const containers = await listLabelled(engine);
  const host = hostname();
  const doomed = abandoned(containers, { all: Boolean(args.all), host, isAlive: processAlive });
  for (const container of doomed) {
    const workDir = await removeRun(engine, container, host);
    process.stdout.write(`removed ${describeContainer(container)}${workDir ? ` and ${workDir}` : ''}\n`);
  }
  const kept = containers.length - doomed.length;
  if (doomed.length === 0) process.stdout.write('nothing to clean up\n');
  if (kept > 0)
    process.stdout.write(`kept ${kept} container(s) of live runs or other hosts (--all removes them too)\n`);
  return 0;
}

// Every container carrying org.recoverable=true, running or not.
async function listLabelled(engine: DockerEngine): Promise<LabelledContainer[]> {
  const list = await engine.client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL.owner}=true`] },
  });
  return list.map((c) => ({ id: c.Id, image: c.Image, state: c.State, labels: c.Labels ?? {} }));
}

// Remove one container and, when it was made on this host, its work dir; returns the dir removed.
async function removeRun(engine: DockerEngine, container: LabelledContainer, host: string): Promise<string | null> {
  const workDir = container.labels[LABEL.workDir];
  // Only a directory our runtime made, on this machine: a label must never make us delete an arbitrary path.
  const ours =
    workDir !== undefined &&
    container.labels[LABEL.host] === host &&
    basename(workDir).startsWith('recoverable-docker-');
  if (ours && container.state === 'running' && process.getuid?.() !== 0) {
    // Files owned by the container's postgres uid are out of an unprivileged user's reach: delete them from inside.
    await execInContainer(engine, container.id, ['find', workDir, '-mindepth', '1', '-delete'], { user: 'root' }).catch(
      () => undefined,
    );
  }
  await removeContainer(engine, container.id);
  if (!ours) return null;
  try {
    await rm(workDir, { recursive: true, force: true });
  } catch (error) {
    process.stderr.write(`could not remove ${workDir}: ${(error as Error).message} (remove it as root)\n`);
    return null;
  }
  return workDir;
}

function describeContainer(c: LabelledContainer): string {
  return `container ${c.id.slice(0, 12)} (${c.image}, run ${c.labels[LABEL.run] ?? '?'}, pid ${c.labels[LABEL.pid] ?? '?'} on ${c.labels[LABEL.host] ?? '?'})`;
}
