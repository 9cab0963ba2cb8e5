// What every command receives from the entry point.
import type { Logger } from '../core/log.ts';

export interface CommandContext {
  log: Logger;
  cwd: string;
}
