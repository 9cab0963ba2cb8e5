// Logging: short human lines by default (a terminal or a CI log alike), pino JSON lines when asked.
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { redactSecrets } from './redact.ts';

export type LogFormat = 'human' | 'json';
export type { Logger };

/** Build the logger (human lines unless `format` is `json`); it writes to stderr so stdout stays free for command output. */
export function createLogger(
  options: { format?: LogFormat; level?: string; stream?: NodeJS.WritableStream } = {},
): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? 'human';
  const base = {
    level: options.level ?? process.env.RECOVERABLE_LOG_LEVEL ?? 'info',
    base: { tool: 'recoverable' },
    redact: {
      paths: ['password', '*.password', 'url', '*.url', 'connectionString', '*.connectionString', 'env.PGPASSWORD'],
      censor: '***',
    },
    hooks: {
      // Messages may quote tool output that echoes a connection string: mask passwords there too.
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)),
        );
      },
    },
  };
  if (format === 'json') return pino(base, stream as NodeJS.WritableStream & { write(s: string): boolean });
  return pino(base, humanStream(stream));
}

/** A logger that drops everything (library tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVEL_MARK: Record<number, string> = { 10: '.', 20: '.', 30: '▸', 40: '!', 50: '✗', 60: '✗' };

// Turn pino's JSON lines into one readable line each.
function humanStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { level, msg, hint } = JSON.parse(line) as { level: number; msg?: string; hint?: string };
          out.write(`${LEVEL_MARK[level] ?? '▸'} ${msg ?? ''}${hint ? `\n  hint: ${hint}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
