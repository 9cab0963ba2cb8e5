// Ctrl-C and SIGTERM: abort running tools, run registered cleanups, then exit with the CLI's code for an interruption.
import { exitCodeOf } from '../cli/exit-code.ts';
import { InterruptedError } from './errors.ts';

type Cleanup = () => Promise<void> | void;

class Interruption {
  readonly controller = new AbortController();
  reason: string | undefined;
  private readonly cleanups = new Set<Cleanup>();
  private installed = false;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Register a cleanup to run on interruption; returns a function that unregisters it. */
  onInterrupt(cleanup: Cleanup): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /** Install SIGINT/SIGTERM handlers once (the CLI does this; tests of libraries do not). */
  install(exit: (code: number) => void = (code) => process.exit(code)): void {
    const code = exitCodeOf('interrupted');
    if (this.installed) return;
    this.installed = true;
    const handle = (signal: NodeJS.Signals): void => {
      if (this.reason) return; // a second Ctrl-C while cleaning up: keep cleaning
      void this.interrupt(signal).finally(() => exit(code));
    };
    process.on('SIGINT', handle);
    process.on('SIGTERM', handle);
  }

  /** Abort everything in flight and run every cleanup, newest first. */
  async interrupt(reason: string): Promise<void> {
    this.reason = reason;
    this.controller.abort(new Error(`interrupted by ${reason}`));
    for (const cleanup of [...this.cleanups].reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning the rest; each cleanup logs its own failure
      }
    }
    this.cleanups.clear();
  }
}

/** The process-wide interruption state. */
export const interruption = new Interruption();

/** Throw if the run was interrupted (checked between steps). */
export function throwIfInterrupted(): void {
  if (interruption.signal.aborted) throw new InterruptedError(interruption.reason ?? 'SIGINT');
}
