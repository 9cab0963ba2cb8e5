// The scenario file as written (raw YAML shape): parsed by zod, then normalized (normalize.ts).
import * as z from 'zod';
import { parseDuration } from './duration.ts';
import { parseInstant } from './instant.ts';
import { parseConnection } from '../source/connection-string.ts';

/** The check names that need no options. `amcheck` also has an object form. */
export const CHECK_NAMES = [
  'rowcounts',
  'fingerprints',
  'schema',
  'sequences',
  'large-objects',
  'roles',
  'amcheck',
] as const;
/** Report formats, all written by default. */
export const REPORT_FORMATS = ['json', 'junit', 'markdown', 'html'] as const;
/** Checks run when a scenario lists none. */
export const DEFAULT_CHECKS = [
  'rowcounts',
  'fingerprints',
  'schema',
  'sequences',
  'large-objects',
  'roles',
  'amcheck',
] as const;

const ALLOWED = 'allowed: ';
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

type Ctx = z.core.$RefinementCtx;

/** What a value read through a transform looks like as written, for the JSON Schema (json-schema.ts). */
export const writtenShapes = new WeakMap<z.core.$ZodType, () => z.ZodType>();
/** Blocks that may be left out (absent means all defaults), for the JSON Schema's `required`. */
export const omissibleBlocks = new WeakSet<z.core.$ZodType>();

/** The keys a strict object accepts, read back from an `unrecognized_keys` issue raised by this schema. */
export function allowedKeys(message: string): string[] | undefined {
  return message.startsWith(ALLOWED) ? message.slice(ALLOWED.length).split(', ') : undefined;
}

/** The option closest to `word` (at most two edits away), for "did you mean" hints. */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: { option: string; distance: number } | undefined;
  for (const option of options) {
    const distance = editDistance(word.toLowerCase(), option.toLowerCase());
    if (distance <= 2 && distance < word.length && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

// Levenshtein distance, small inputs only (keys and option names).
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// Report a problem with its fix; the loader turns `params.fix` into the issue's fix.
function fail(ctx: Ctx, problem: string, fix: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: problem, params: { fix } });
  return z.NEVER;
}

// A strict object whose unknown-key issue carries the allowed keys.
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `${ALLOWED}${allowed}` : undefined),
  });
}

// A block of optional settings: absent or empty (`backup:`) means all defaults.
function block<S extends z.ZodRawShape>(shape: S) {
  const schema = z.preprocess((value) => value ?? {}, strict(shape));
  omissibleBlocks.add(schema);
  return schema;
}

// A block where `key:` with nothing after it means "present, with defaults".
function presentBlock<S extends z.ZodRawShape>(shape: S) {
  const schema = z.preprocess((value) => (value === null ? {} : value), strict(shape));
  writtenShapes.set(schema, () => z.union([z.null(), strict(shape)]));
  return schema;
}

// A whole number within bounds, with one message for both ends.
function wholeNumber(min: number, max: number, what: string) {
  return z
    .number()
    .int()
    .superRefine((value, ctx) => {
      if (value < min || value > max)
        fail(ctx, `${what} ${value} is out of range`, `use a whole number from ${min} to ${max}`);
    })
    .meta({ minimum: min, maximum: max });
}

// A string that must match `pattern`.
function matching(pattern: RegExp, problem: (value: string) => string, fix: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!pattern.test(value)) fail(ctx, problem(value), fix);
    })
    .meta({ pattern: pattern.source });
}

const text = z.string().min(1);
/** How pg_upgrade rehearses: only `--check`, or the upgrade itself with `--copy`, `--link` or `--clone`. */
export const UPGRADE_MODES = ['check', 'copy', 'link', 'clone'] as const;
const pgMajor = wholeNumber(13, 18, 'PostgreSQL major version');

const duration = z
  .unknown()
  .transform((value, ctx) => {
    const result = parseDuration(value);
    return result.ok ? result.ms : fail(ctx, result.problem, result.fix);
  })
  .meta({
    type: 'string',
    pattern: '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$',
    description: 'a duration with units: 500ms, 30s, 5m, 1h30m',
  });

// A URL or conninfo that parses as libpq would read it; an unset ${VAR} is reported by the loader instead.
const connection = z.string().superRefine((value, ctx) => {
  if (value.includes('${')) return;
  const parsed = parseConnection(value);
  if (!parsed.ok) fail(ctx, parsed.problem, parsed.fix);
});

// A time with a UTC offset, to the microsecond (kept as written: PostgreSQL reads it, never Date).
const instant = z
  .string()
  .superRefine((value, ctx) => {
    const parsed = parseInstant(value);
    if (!parsed.ok) fail(ctx, parsed.problem, parsed.fix);
  })
  .meta({ description: 'a time with a UTC offset, to the microsecond, e.g. 2024-05-01T12:00:00.123456Z' });

// `{ latest: true }`: the object form of a plain-word target, so it can carry its own checks.
function present(word: string) {
  return z
    .unknown()
    .transform((value, ctx): true => {
      if (value === true || value === null) return true;
      return fail(
        ctx,
        `${word}: ${JSON.stringify(value)} is not a setting`,
        `write { ${word}: true, checks: [...] }, or the plain word ${word}`,
      );
    })
    .meta({ enum: [true, null] });
}

// A value that is one of `words`, or an object holding exactly one key of `branches` (e.g. `{ xid: 1234 }`).
function choice<const W extends string, B extends Record<string, z.ZodType>>(
  what: string,
  words: readonly W[],
  branches: B,
) {
  const keys = Object.keys(branches);
  const forms = [...words, ...keys.map((key) => `{ ${key}: ... }`)].join(', ');
  const schema = z.unknown().transform((value, ctx): W | z.output<B[keyof B]> => {
    if (typeof value === 'string') {
      if ((words as readonly string[]).includes(value)) return value as W;
      const near = closest(value, [...words, ...keys]);
      return fail(
        ctx,
        `unknown ${what} "${value}"`,
        near ? `did you mean ${near}? the forms are ${forms}` : `use one of ${forms}`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(
        ctx,
        `expected a ${what}, got ${Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value}`,
        `use one of ${forms}`,
      );
    }
    const present = keys.filter((key) => key in value);
    const [key] = present;
    if (present.length > 1)
      return fail(
        ctx,
        `a ${what} takes exactly one of ${keys.join(', ')}, got ${present.join(' and ')}`,
        `keep one of ${present.join(', ')}`,
      );
    if (key === undefined) {
      const first = Object.keys(value)[0] ?? '';
      if ((words as readonly string[]).includes(first))
        return fail(ctx, `${what} "${first}" takes no options`, `write it as a plain word: - ${first}`);
      const near = closest(first, [...words, ...keys]);
      if (near) return fail(ctx, `unknown ${what} "${first}"`, `did you mean ${near}? the forms are ${forms}`);
      return fail(
        ctx,
        `a ${what} needs one of ${keys.join(', ')}, got ${Object.keys(value).join(', ') || 'an empty mapping'}`,
        `use one of ${forms}`,
      );
    }
    const result = (branches[key] as z.ZodType).safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    }
    return result.data as z.output<B[keyof B]>;
  });
  writtenShapes.set(schema, () =>
    z.union([...(words.length ? [z.enum(words as [W, ...W[]])] : []), ...Object.values(branches)]),
  );
  return schema;
}

const sqlCheck = strict({
  query: text,
  // { decimal } is how the loader keeps a number YAML would round (9007199254740993, 100.000000000000000001).
  expect: z.union([
    z.number(),
    z.string(),
    z.boolean(),
    z.null(),
    z.strictObject({ decimal: z.string().regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/) }),
  ]),
  database: text.optional(),
  name: text.optional(),
});

const check = choice('check', CHECK_NAMES, {
  amcheck: strict({ amcheck: presentBlock({ heapallindexed: z.boolean().default(true) }) }),
  sql: strict({ sql: sqlCheck }),
});

const checks = z.array(check).min(1);
const inclusive = z.boolean().default(true);
const targetChecks = checks.optional();

const target = choice('target', ['immediate', 'latest'], {
  immediate: strict({ immediate: present('immediate'), checks: targetChecks }),
  latest: strict({ latest: present('latest'), checks: targetChecks }),
  time: strict({ time: instant, inclusive, checks: targetChecks }),
  lsn: strict({
    lsn: matching(LSN, (value) => `"${value}" is not an LSN`, 'write it as PostgreSQL prints it, e.g. 0/1A2B3C'),
    inclusive,
    checks: targetChecks,
  }),
  xid: strict({ xid: z.number().int().min(1), inclusive, checks: targetChecks }),
  name: strict({ name: text.max(63), checks: targetChecks }),
  marker: strict({
    marker: text,
    via: z.enum(['xid', 'time', 'lsn', 'name']).default('xid'),
    inclusive,
    checks: targetChecks,
  }),
});

const snapshot = choice('snapshot', [], {
  driver: strict({
    driver: z.enum(['btrfs', 'copy']),
    allowStandby: z.boolean().default(false),
    timeout: duration.default(600_000),
  }),
  command: strict({
    command: text,
    restoreCommand: text,
    deleteCommand: text.optional(),
    timeout: duration.default(600_000),
    allowStandby: z.boolean().default(false),
  }),
});

// Another tool's backups: the commands that bring one back (data directory, then WAL); inputs come as environment variables.
const external = strict({
  restoreCommand: text,
  restoreWal: text.optional(),
  archiveCheck: text.optional(),
  timeout: duration.default(1_800_000),
});

const source = strict({
  managed: presentBlock({
    // Unset: the newest installed major (local) or 15 (docker), chosen when the scenario is loaded.
    version: pgMajor.optional(),
    database: text.default('app'),
    fixtures: z.array(text).default([]),
    workload: block({ seed: z.number().int().default(42), transactions: z.number().int().min(0).default(1000) }),
    dataChecksums: z.boolean().default(true),
    tablespaces: z
      .array(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a tablespace name: lowercase letters, digits, _'))
      .default([]),
  }).optional(),
  url: connection.optional(),
  restoreCommand: text.optional(),
  markers: z.boolean().optional(),
}).superRefine((value, ctx) => {
  if ((value.managed === undefined) === (value.url === undefined)) {
    const problem = value.managed ? 'source has both managed and url' : 'source has neither managed nor url';
    fail(ctx, problem, 'keep exactly one: source: { managed: {} } or source: { url: ${DATABASE_URL} }');
  }
});

// A key (signing, verifying, encryption): a file, or an environment variable holding it or its path (never the key
// itself in the scenario).
const keySource = choice('key source', [], {
  file: strict({ file: text }),
  env: strict({
    env: matching(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      (value) => `"${value}" is not an environment variable name`,
      'use letters, digits and _, e.g. RECOVERABLE_KEY',
    ),
  }),
});

// Encryption at rest: the key (64 hex digits) from a file or an environment variable.
const encryption = strict({ key: keySource });

/** The raw scenario schema: unknown keys are errors, defaults are filled in. */
export const scenarioSchema = strict({
  name: matching(
    NAME,
    (value) => `"${value}" is not a valid scenario name`,
    'use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
  ),
  source,
  repository: text.default('.recoverable/repo'),
  encryption: encryption.optional(),
  backup: block({
    method: z.enum(['dump', 'basebackup', 'snapshot', 'external']).default('dump'),
    jobs: wholeNumber(1, 64, 'jobs').default(2),
    use: text.optional(),
    snapshot: snapshot.optional(),
    external: external.optional(),
    archiveTimeout: duration.default(300_000),
    incremental: z.boolean().default(false),
  }),
  restore: block({
    environment: z.enum(['local', 'docker']).default('local'),
    image: text.optional(),
    version: pgMajor.optional(),
    noOwner: z.boolean().default(false),
    noPrivileges: z.boolean().default(false),
    targets: z.array(target).min(1).prefault(['immediate']),
    matrix: strict({ version: z.array(pgMajor).min(1) }).optional(),
    // pg_upgrade rehearsal of a physical backup: restore, recover, then upgrade into the newer major.
    upgrade: strict({ to: pgMajor, mode: z.enum(UPGRADE_MODES).default('copy') }).optional(),
  }),
  checks: checks.prefault([...DEFAULT_CHECKS]),
  objectives: block({ rto: duration.optional(), rpo: duration.optional() }),
  report: block({
    dir: text.default('reports'),
    formats: z
      .array(z.enum(REPORT_FORMATS))
      .min(1)
      .default([...REPORT_FORMATS]),
  }),
  evidence: block({
    signingKey: keySource.optional(),
    verifyKey: keySource.optional(),
    require: z.enum(['signed', 'any']).default('any'),
  }),
});

/** A scenario as written, validated and with defaults, before paths are resolved. */
export type RawScenario = z.output<typeof scenarioSchema>;
/** One raw restore target (`immediate`, `{ xid: 1234 }`, ...). */
export type RawTarget = RawScenario['restore']['targets'][number];
/** One raw check (`rowcounts`, `{ sql: {...} }`, ...). */
export type RawCheck = RawScenario['checks'][number];
