// The schema of result.json, as zod (the JSON Schema is generated from it): checked against RunResult by the compiler.
import * as z from 'zod';
import { CHECK_KINDS, RESULT_SCHEMA_VERSION, type RunResult } from './result.ts';

/** Where the published schema lives, relative to the package root. */
export const RESULT_SCHEMA_FILE = 'schemas/result.schema.json';

const status = z.enum(['passed', 'failed', 'skipped', 'errored']);
const failure = z.strictObject({ code: z.string(), message: z.string(), hint: z.string().optional() });
const duration = z.number().min(0).describe('milliseconds');

const check = z.strictObject({
  id: z.string().describe('stable within a restore, e.g. rowcount:shop.orders'),
  kind: z.enum(CHECK_KINDS).describe('what the check verifies'),
  status,
  exactness: z.enum(['exact', 'bounded', 'not-available']).optional(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  message: z.string(),
  durationMs: duration,
});

const phase = z.strictObject({
  name: z.string(),
  durationMs: duration,
  reused: z
    .boolean()
    .optional()
    .describe("spent once for a copy several targets replayed on in turn; counted in each one's recovery time"),
  alongside: z
    .strictObject({ phase: z.string(), ranMs: duration.optional() })
    .optional()
    .describe(
      'ran at the same time as the named phase (pg_verifybackup beside the copy): durationMs counts only the wait once that phase had ended; ranMs is how long it ran in all',
    ),
});

const copy = z.strictObject({
  method: z
    .enum(['reflink', 'full', 'mixed'])
    .describe("reflink: every file shares the backup's extents copy-on-write; full: every byte written again"),
  files: z.number().int().min(0),
  bytes: z
    .number()
    .int()
    .min(0)
    .describe("bytes in the backup's data directory and tablespaces: what a full copy writes"),
  bytesWritten: z.number().int().min(0).describe('bytes of file data this copy wrote (0 for a reflink copy)'),
  durationMs: duration,
  fullCopy: z.strictObject({ bytesPerSecond: z.number().min(0), estimatedMs: duration, basis: z.string() }).optional(),
});

const restore = z.strictObject({
  target: z.string(),
  environment: z.strictObject({
    kind: z.enum(['local', 'docker']),
    version: z.number().int(),
    image: z.string().optional(),
    imageDigest: z.string().optional(),
    network: z.enum(['none', 'host']).optional().describe('docker only: none, the container has no network at all'),
    upgrade: z
      .strictObject({
        from: z.number().int(),
        to: z.number().int(),
        toVersion: z.string(),
        mode: z.enum(['check', 'copy', 'link', 'clone']),
        performed: z
          .boolean()
          .describe(
            'false with mode check or when pg_upgrade refused: the checks ran on the restored cluster of `from`',
          ),
      })
      .optional()
      .describe('pg_upgrade rehearsal of a physical backup after its recovery'),
  }),
  reached: z.strictObject({
    kind: z.string(),
    lsn: z.string().optional(),
    xid: z.string().optional(),
    time: z.string().optional(),
    proof: z.string(),
  }),
  phases: z.array(phase),
  copy: copy.optional().describe("physical restores: how the backup's files were copied"),
  sharedCopy: z
    .strictObject({
      first: z.string(),
      position: z.number().int().min(1),
      targets: z.number().int().min(1),
      checkedInRecovery: z.boolean().describe('checked read-only while paused in recovery; false: promoted'),
    })
    .optional()
    .describe("targets replayed in order on one copy: the first target, this one's place, how many"),
  checks: z.array(check),
  warnings: z.array(z.string()).optional(),
  error: failure.optional(),
});

const objective = z.strictObject({
  name: z.enum(['rto', 'rpo']),
  objectiveMs: duration,
  measuredMs: duration.nullable(),
  status,
  basis: z.string(),
});

const backup = z.strictObject({
  id: z.string(),
  method: z.enum(['dump', 'basebackup', 'snapshot', 'external']),
  startLsn: z.string().optional(),
  stopLsn: z.string().optional(),
  sizeBytes: z.number().int().min(0),
  durationMs: duration,
  taken: z.boolean(),
  takenAt: z.string(),
  sourceVersion: z.number().int(),
  sourceServerVersion: z.string().optional(),
  chain: z
    .array(z.string())
    .optional()
    .describe('an incremental backup: the backups combined before it, oldest (the full backup) first'),
  manifestSha256: z.string().optional().describe("SHA-256 of the backup's manifest.json as the drill read it"),
  signature: z
    .strictObject({ signed: z.boolean(), keyFingerprint: z.string().optional(), verified: z.boolean() })
    .optional(),
});

const provenance = z.strictObject({
  user: z.string(),
  host: z.string(),
  ci: z
    .strictObject({
      system: z.string(),
      runId: z.string().optional(),
      repository: z.string().optional(),
      revision: z.string().optional(),
      pipelineId: z.string().optional(),
      jobUrl: z.string().optional(),
    })
    .optional(),
  toolVersion: z.string(),
  scenarioSha256: z.string(),
  backup: z
    .strictObject({
      id: z.string(),
      manifestSha256: z.string().optional(),
      signed: z.boolean(),
      keyFingerprint: z.string().optional(),
    })
    .optional(),
  images: z.array(z.strictObject({ image: z.string(), digest: z.string().optional() })),
  postgres: z.strictObject({
    source: z.number().int().optional(),
    sourceServer: z.string().optional(),
    restores: z.array(z.strictObject({ target: z.string(), version: z.number().int() })),
  }),
});

const historyPoint = z.strictObject({
  runId: z.string(),
  finishedAt: z.string(),
  verdict: z.enum(['passed', 'failed', 'errored']),
  rtoMs: duration.nullable(),
  rtoObjectiveMs: duration.nullable(),
  rpoMs: duration.nullable(),
  rpoObjectiveMs: duration.nullable(),
  checksFailed: z.number().int().min(0),
});

const coverage = z.strictObject({
  kind: z.string(),
  noun: z.string(),
  requested: z.boolean(),
  ran: z.number().int().min(0),
  passed: z.number().int().min(0),
  skipped: z.number().int().min(0),
  errored: z.number().int().min(0),
  reasons: z.array(z.string()),
});

/** A run's result.json. */
export const runResultSchema = z.strictObject({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  runId: z.string(),
  tool: z.strictObject({ name: z.literal('recoverable'), version: z.string() }),
  scenario: z.strictObject({ name: z.string(), path: z.string(), sha256: z.string() }),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  verdict: z.enum(['passed', 'failed', 'errored']),
  summary: z.string(),
  backup: backup.nullable(),
  restores: z.array(restore),
  objectives: z.array(objective),
  checks: z.array(check),
  coverage: z.array(coverage).optional(),
  error: failure.optional(),
  history: z
    .array(historyPoint)
    .optional()
    .describe("the scenario's recent runs from the run ledger, oldest first, this run last"),
  provenance: provenance.optional(),
});

// The compiler keeps the schema and RunResult together: the same keys, each of the same type, both ways.
type Assignable<From, To> = [From] extends [To] ? true : false;
type Shape = z.output<typeof runResultSchema>;
const resultFitsSchema: Assignable<Exact<RunResult>, Exact<Shape>> = true;
const schemaFitsResult: Assignable<Exact<Shape>, Exact<RunResult>> = true;
void resultFitsSchema;
void schemaFitsResult;

// Every key made required and stripped of `undefined`, so a key missing on either side no longer fits; strings (branded
// ones too) are kept whole.
type Exact<T> = T extends string
  ? T
  : T extends readonly (infer E)[]
    ? Exact<E>[]
    : T extends object
      ? { [K in keyof T]-?: Exact<Exclude<T[K], undefined>> }
      : T;

/** The JSON Schema (draft 2020-12) of result.json. */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(runResultSchema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>),
    title: 'Recoverable run result',
    description: 'result.json: the source of truth every report of a drill is rendered from.',
  };
}
