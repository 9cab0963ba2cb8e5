// The shape every per-target restore shares: resources disposed on every path, a harness failure recorded, never a pass.
import { InterruptedError, RecoverableError } from '../core/errors.ts';
import type { RestoreEnvironment } from '../env/environment.ts';
import type { RestoreResult } from '../run/result.ts';
import { restoreNotCompletedCheck } from '../checks/run-fault.ts';

/** An opened environment that `await using` disposes. */
export type ScopedEnvironment = RestoreEnvironment & AsyncDisposable;

/** Gives an opened environment the async-dispose protocol, so the restore that opened it holds it with `await using`. */
export function scoped(environment: RestoreEnvironment): ScopedEnvironment {
  return Object.assign(environment, { [Symbol.asyncDispose]: () => environment.dispose() });
}

/**
 * Run one restore's steps. When the harness cannot finish them, `restore` carries the error and an errored
 * `restore:completed` check, and `unfinished` is returned; an interruption is rethrown (the drill stops there).
 */
export async function settleRestore<T>(restore: RestoreResult, steps: () => Promise<T>, unfinished: T): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const message = (error as Error).message;
    restore.error =
      error instanceof RecoverableError
        ? { code: error.code, message, ...(error.hint ? { hint: error.hint } : {}) }
        : { code: 'internal', message };
    restore.checks.push(restoreNotCompletedCheck(message));
    return unfinished;
  }
}
