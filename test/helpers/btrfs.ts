// A btrfs filesystem on a loop device for tests that need copy-on-write (root and btrfs-progs required).
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';

/** The skip reason for a test that needs a loop-mounted btrfs, or false; in CI missing btrfs-progs is a failure, not a skip. */
export function btrfsSkip(): string | false {
  if (process.getuid?.() !== 0) return 'a loop-mounted btrfs needs root';
  try {
    execFileSync('mkfs.btrfs', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return process.env.CI ? false : 'mkfs.btrfs is not installed (apt-get install btrfs-progs; .ci/run does)';
  }
}

/** A mounted loop btrfs at `mount` (backed by `image`); unmount() removes both. */
export interface LoopBtrfs {
  mount: string;
  unmount(): Promise<void>;
}

/** Make a `size` btrfs in `image` and mount it at `mount`. */
export async function mountLoopBtrfs(image: string, mount: string, size = '2G'): Promise<LoopBtrfs> {
  await mkdir(mount, { recursive: true });
  execFileSync('truncate', ['-s', size, image]);
  execFileSync('mkfs.btrfs', ['-q', image]);
  execFileSync('mount', ['-o', 'loop', image, mount]);
  return {
    mount,
    async unmount() {
      execFileSync('umount', [mount]);
      await rm(image, { force: true });
      await rm(mount, { recursive: true, force: true });
    },
  };
}
