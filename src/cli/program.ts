// The command line: parse, run one command, map errors to exit codes (only here).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { RecoverableError, ScenarioError, categoryOf, hintOf } from '../core/errors.ts';
import { ExitCode, exitCodeOf } from './exit-code.ts';
import type { LogFormat } from '../core/log.ts';
import { interruption } from '../core/interrupt.ts';
import { redactSecrets } from '../core/redact.ts';
import { TOOL_VERSION } from '../core/tool-version.ts';
import type { CommandContext } from './context.ts';

type Handler = (args: Record<string, unknown>, ctx: CommandContext) => Promise<number>;

// Each command is imported only when it runs, so `--help` and small commands start fast.
const commands: Array<{
  name: string;
  describe: string;
  options?: (y: Argv) => Argv;
  examples: Array<[string, string]>;
  load: () => Promise<{ handler: Handler }>;
}> = [
  {
    name: 'drill <scenario...>',
    describe: 'take a backup (or use a stored one), restore it into a disposable environment, check it, write reports',
    options: (y) =>
      y
        .positional('scenario', { type: 'string', array: true, describe: 'scenario YAML file(s)' })
        .option('metrics-file', {
          type: 'string',
          describe:
            "write Prometheus metrics from the run ledger to this .prom file (node_exporter's textfile collector)",
        })
        .option('pushgateway', {
          type: 'string',
          describe: 'push the same metrics to this Prometheus Pushgateway URL (job "recoverable", grouped by scenario)',
        })
        .option('step-summary', {
          type: 'boolean',
          default: true,
          describe:
            'in GitHub Actions, append the Markdown summary to $GITHUB_STEP_SUMMARY (--no-step-summary, or RECOVERABLE_STEP_SUMMARY=false, turns it off)',
        })
        .option('environment', {
          choices: ['local', 'docker'] as const,
          describe:
            "restore (and run a managed source) here instead of the scenario's restore.environment; without it, a local scenario runs in Docker when no local PostgreSQL can run it and an engine answers",
        })
        .epilogue(
          "Every drill is appended to the run ledger (ledger.sqlite in the scenario's repository) before the reports are written. A drill that passed but could not be recorded or exported exits 3.",
        ),
    examples: [
      ['$0 drill scenarios/quickstart.yaml', 'drill one scenario: backup, restore, check, report'],
      [
        '$0 drill nightly.yaml weekly.yaml --log-format json',
        'drill two scenarios, logging JSON lines for a collector',
      ],
      ['$0 drill nightly.yaml --no-step-summary', 'in GitHub Actions, leave the job summary alone'],
      [
        '$0 drill scenarios/quickstart.yaml --environment docker',
        'restore (and run the managed source) in containers instead',
      ],
    ],
    load: () => import('./drill.ts'),
  },
  {
    name: 'history [scenario]',
    describe:
      "show a scenario's last runs from the repository's run ledger: verdicts, RTO and RPO with their trends, the current streak",
    options: (y) =>
      y
        .positional('scenario', {
          type: 'string',
          describe: 'scenario YAML file; with --repository, a scenario name (default: every scenario in the ledger)',
        })
        .option('repository', {
          type: 'string',
          describe: "read the ledger of this repository directory instead of a scenario file's",
        })
        .option('limit', { type: 'number', default: 10, describe: 'how many runs to show' })
        .option('window', {
          type: 'number',
          default: 5,
          describe: 'trend: median of the last N measured runs against the N before',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    examples: [
      ['$0 history scenarios/nightly.yaml', 'the last runs of one scenario, its RTO/RPO trend and streak'],
      ['$0 history --repository /backups/repo --json', 'every scenario in that ledger, as JSON'],
    ],
    load: () => import('./history.ts'),
  },
  {
    name: 'status [scenario]',
    describe:
      'exit 1 unless the last passing drill of the scenario (or of every scenario in the ledger) is younger than --max-age: what a monitor calls',
    options: (y) =>
      y
        .positional('scenario', {
          type: 'string',
          describe: 'scenario YAML file; with --repository, a scenario name (default: every scenario in the ledger)',
        })
        .option('repository', {
          type: 'string',
          describe: "read the ledger of this repository directory instead of a scenario file's",
        })
        .option('max-age', {
          type: 'string',
          demandOption: true,
          describe: 'how old the last passing drill may be (e.g. 26h, 7d, 90m)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
        .option('metrics-file', {
          type: 'string',
          describe: 'also rewrite the Prometheus metrics file from the ledger (refreshes the backup age)',
        })
        .option('pushgateway', { type: 'string', describe: 'also push the metrics to this Pushgateway URL' })
        .epilogue(
          'Exit codes: 0 every scenario passed a drill within --max-age, 1 one did not (or never passed, or no drill is recorded), 2 bad flags, 3 the ledger or the metrics could not be read or written.',
        ),
    examples: [
      [
        '$0 status scenarios/nightly.yaml --max-age 26h',
        'exit 1 unless the scenario passed a drill in the last 26 hours',
      ],
      [
        '$0 status --repository /backups/repo --max-age 26h --json',
        'every scenario in that ledger, as JSON, for a monitor',
      ],
    ],
    load: () => import('./status.ts'),
  },
  {
    name: 'backup <scenario>',
    describe: "take a backup of the scenario's source into its repository (what a nightly schedule runs)",
    options: (y) =>
      y.positional('scenario', { type: 'string', describe: 'scenario YAML file' }).option('full', {
        type: 'boolean',
        default: false,
        describe: 'with backup.incremental: take a full backup, which the next incrementals build on (a new chain)',
      }),
    examples: [
      ['$0 backup scenarios/nightly.yaml', "take tonight's backup; a later drill restores it with backup.use: latest"],
      ['$0 backup scenarios/nightly.yaml --full', 'a weekly full backup that starts a new incremental chain'],
    ],
    load: () => import('./backup.ts'),
  },
  {
    name: 'list <scenario>',
    describe: "list the backups in the scenario's repository",
    options: (y) =>
      y
        .positional('scenario', { type: 'string' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    examples: [
      [
        '$0 list scenarios/nightly.yaml',
        'the backups of this scenario, oldest first, and whether their WAL is all archived',
      ],
      ['$0 list scenarios/nightly.yaml --json', 'the same as JSON'],
    ],
    load: () => import('./list.ts'),
  },
  {
    name: 'prune <scenario>',
    describe: "remove the scenario's backups a retention policy lets go, and the WAL no remaining backup reads",
    options: (y) =>
      y
        .positional('scenario', { type: 'string', describe: 'scenario YAML file' })
        .option('keep', { type: 'number', describe: 'keep the N newest backups' })
        .option('max-age', { type: 'string', describe: 'keep every backup younger than this (e.g. 7d, 12h, 30m)' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'print what would be removed, remove nothing' })
        .option('prune-orphan-wal', {
          type: 'boolean',
          default: false,
          describe: 'also empty WAL archives no kept backup reads (.history files stay)',
        })
        .epilogue(
          'A backup is kept if it is among the --keep newest OR younger than --max-age; give at least one. The newest backup is never removed. ' +
            "Only this scenario's backups are considered. WAL is removed per cluster only before the oldest start segment of its kept backups, " +
            'so every kept backup can still be restored to the end of the archive.',
        ),
    examples: [
      [
        '$0 prune scenarios/nightly.yaml --keep 7 --max-age 30d --dry-run',
        'show what a retention of 7 backups or 30 days would remove',
      ],
      ['$0 prune scenarios/nightly.yaml --keep 7', 'remove the rest'],
    ],
    load: () => import('./prune.ts'),
  },
  {
    name: 'report <run>',
    describe: 'render the reports of a run again from its result.json',
    options: (y) =>
      y.positional('run', { type: 'string', describe: 'a reports/<run-id> directory or its result.json' }),
    examples: [
      ['$0 report reports/20260101T020000Z-a1b2c3', 'render the reports of that run again from its result.json'],
    ],
    load: () => import('./report.ts'),
  },
  {
    name: 'init [file]',
    describe: 'write a commented starter scenario, or with --quickstart the quickstart scenario and its fixture',
    options: (y) =>
      y
        .positional('file', {
          type: 'string',
          describe:
            'where to write it (default: scenarios/my-drill.yaml, or scenarios/quickstart.yaml with --quickstart)',
        })
        .option('quickstart', {
          type: 'boolean',
          default: false,
          describe: 'write the quickstart scenario and fixtures/shop.sql, ready for `recoverable drill`',
        })
        .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' }),
    examples: [
      ['$0 init', 'write scenarios/my-drill.yaml, every option explained'],
      [
        '$0 init --quickstart',
        'write scenarios/quickstart.yaml and fixtures/shop.sql, then: recoverable drill scenarios/quickstart.yaml',
      ],
    ],
    load: () => import('./init.ts'),
  },
  {
    name: 'schema <which>',
    describe: 'print the JSON Schema of a scenario file or of result.json (editors, CI validation)',
    options: (y) => y.positional('which', { choices: ['scenario', 'result'] as const, describe: 'which schema' }),
    examples: [
      ['$0 schema scenario > scenario.schema.json', 'the scenario schema for an editor or a CI check'],
      ['$0 schema result', 'the schema of result.json'],
    ],
    load: () => import('./schema.ts'),
  },
  {
    name: 'doctor [scenario]',
    describe:
      'show which PostgreSQL binaries are installed and what a scenario needs; for a url source, connect and report what its role may do',
    options: (y) =>
      y
        .positional('scenario', { type: 'string' })
        .option('json', { type: 'boolean', default: false, describe: 'print the findings as JSON' })
        .epilogue(
          'Exit codes: 0 the scenario (or, without one, this machine) can run, 3 something it needs is missing (each with its fix).',
        ),
    examples: [
      ['$0 doctor', 'PostgreSQL binaries, Docker engine and images on this machine'],
      ['$0 doctor scenarios/nightly.yaml', 'and whether this scenario can run here: its source, role grants, disk'],
      ['$0 doctor scenarios/nightly.yaml --json', 'the same findings as JSON'],
    ],
    load: () => import('./doctor.ts'),
  },
  {
    name: 'archive-wal <path> <name>',
    describe:
      "archive one WAL file into the repository (archive_command = 'recoverable archive-wal %p %f --repository <dir>')",
    options: (y) =>
      y
        .positional('path', { type: 'string', describe: 'the file to archive (%p)' })
        .positional('name', { type: 'string', describe: 'its WAL file name (%f)' })
        .option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' })
        .option('system', {
          type: 'string',
          describe: "the cluster's system identifier: keeps each cluster's WAL apart in one repository",
        })
        .option('key-file', {
          type: 'string',
          describe:
            'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted',
        }),
    examples: [['$0 archive-wal %p %f --repository /var/lib/recoverable', 'as archive_command in postgresql.conf']],
    load: () => import('./archive-wal.ts'),
  },
  {
    name: 'fetch-wal <name> <path>',
    describe:
      "copy one archived WAL file out of the repository, exit 1 if it is not there (restore_command = 'recoverable fetch-wal %f %p --repository <dir>')",
    options: (y) =>
      y
        .positional('name', { type: 'string', describe: 'the WAL file name (%f)' })
        .positional('path', { type: 'string', describe: 'where to put it (%p)' })
        .option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' })
        .option('system', {
          type: 'string',
          describe: "the cluster's system identifier: keeps each cluster's WAL apart in one repository",
        })
        .option('key-file', {
          type: 'string',
          describe:
            'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted',
        }),
    examples: [['$0 fetch-wal %f %p --repository /var/lib/recoverable', 'as restore_command in postgresql.conf']],
    load: () => import('./fetch-wal.ts'),
  },
  {
    name: 'verify-wal',
    describe:
      "check that the repository's WAL archive holds every segment from --from to --to (or its newest), following timeline switches",
    options: (y) =>
      y
        .option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' })
        .option('system', { type: 'string', describe: "the cluster's system identifier" })
        .option('from', {
          type: 'string',
          demandOption: true,
          describe: 'first segment needed, e.g. 000000010000000000000003',
        })
        .option('to', {
          type: 'string',
          describe: 'last segment needed (default: the newest archived on the timeline)',
        })
        .option('timeline', {
          type: 'number',
          describe: 'timeline to follow to (default: that of --to, else the newest descending from --from)',
        })
        .option('key-file', {
          type: 'string',
          describe:
            'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted',
        }),
    examples: [
      [
        '$0 verify-wal --repository /var/lib/recoverable --from 000000010000000000000003',
        'is every segment from there to the newest archived',
      ],
    ],
    load: () => import('./verify-wal.ts'),
  },
  {
    name: 'selftest',
    describe:
      'inject every fault the checks must catch into drills of a managed source, and show which check caught each',
    options: (y) =>
      y
        // --version here is a PostgreSQL major, as the issue's command line spells it, not the tool's version.
        .version(false)
        .option('method', {
          choices: ['dump', 'basebackup', 'snapshot', 'all'] as const,
          default: 'all',
          describe: 'backup method(s) to test (repeat it for several: --method basebackup --method snapshot)',
        })
        .option('environment', {
          choices: ['local', 'docker'] as const,
          default: 'local',
          describe: 'where the source runs and backups are restored',
        })
        .option('version', {
          type: 'number',
          describe: 'PostgreSQL major of the source and the restores (default: the newest installed here, else 15)',
        })
        .option('only', { type: 'string', array: true, describe: 'run only these faults (comma-separated names)' })
        .option('report-dir', { type: 'string', default: 'reports', describe: 'reports go to <report-dir>/<run-id>/' })
        .epilogue(
          'Exit codes: 0 the clean drills passed and every fault was caught by the check meant for it, 1 otherwise, 2 bad flags or an unknown fault (the known ones are listed), 3 this machine cannot run the drills.',
        ),
    examples: [
      ['$0 selftest --method dump', 'inject every dump fault and show which check caught it'],
      ['$0 selftest --only dump-truncated,heap-page-corrupt', 'run two faults only'],
    ],
    load: () => import('./selftest.ts'),
  },
  {
    name: 'verify-evidence <run-dir>',
    describe: "check a run's reports against its evidence.json (SHA-256 of every file) and its signature",
    options: (y) =>
      y
        .positional('run-dir', { type: 'string', describe: 'a reports/<run-id> directory' })
        .option('key', {
          type: 'string',
          describe: 'the public key (PEM) the evidence must be signed with (default: $RECOVERABLE_VERIFY_KEY)',
        })
        .option('require-signed', {
          type: 'boolean',
          default: false,
          describe: 'fail an unsigned bundle (implied by --key)',
        })
        .epilogue(
          'Exit codes: 0 every file matches (and the signature, when present or required), 1 a file or the signature differs (named), 2 bad usage.',
        ),
    examples: [
      [
        '$0 verify-evidence reports/20250101T020000Z-a1b2 --key verify.pem',
        "check every report file and the bundle's signature by that key",
      ],
      ['$0 verify-evidence reports/20250101T020000Z-a1b2', 'check the digests of an unsigned (or any) bundle'],
    ],
    load: () => import('./verify-evidence.ts'),
  },
  {
    name: 'cleanup',
    describe: 'remove Docker containers (and their work directories) left behind by runs whose process is gone',
    options: (y) =>
      y.option('all', {
        type: 'boolean',
        default: false,
        describe: 'remove every container Recoverable labelled, including those of live runs and other hosts',
      }),
    examples: [['$0 cleanup', 'remove containers of runs whose process is gone']],
    load: () => import('./cleanup.ts'),
  },
];

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.passed;
  let parser = yargs(argv)
    .scriptName('recoverable')
    .usage('$0 <command> [options]\n\nProves PostgreSQL backups restore.')
    .option('log-format', {
      choices: ['human', 'json'] as const,
      default: 'human',
      describe: 'human lines, or JSON lines (pino) for a log collector; fatal errors follow',
    })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' })
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command')
    .epilogue(
      'Exit codes: 0 passed, 1 a check or objective failed, 2 bad usage or scenario, 3 the environment cannot run the drill, 130 interrupted.',
    )
    .fail((message, error) => {
      // recommendCommands() says only "Did you mean drill?": name what was typed as well.
      const text = message?.startsWith('Did you mean')
        ? `unknown command "${argv[0] ?? ''}": did you mean${message.slice('Did you mean'.length)}`
        : message;
      throw error ?? new RecoverableError('usage', text, { hint: 'run `recoverable --help`' });
    })
    .help()
    // Named, not guessed: yargs looks for a package.json near the entry point, which an installed bin link is not.
    .version(TOOL_VERSION);
  for (const command of commands) {
    const build = (y: Argv): Argv =>
      command.examples.reduce(
        (built, [example, meaning]) => built.example(example, meaning),
        (command.options ?? ((same: Argv) => same))(y),
      );
    parser = parser.command(command.name, command.describe, build, async (args) => {
      // pino loads only when a command runs: `--help` stays fast.
      const { createLogger } = await import('../core/log.ts');
      const log = createLogger({ format: args['log-format'] as LogFormat, level: String(args['log-level']) });
      interruption.install((code) => process.exit(code));
      const { handler } = await command.load();
      exitCode = await handler(args as Record<string, unknown>, { log, cwd: process.cwd() });
    });
  }
  await parser.parseAsync();
  return exitCode;
}

const argv = hideBin(process.argv);
try {
  process.exitCode = await main(argv);
} catch (error) {
  process.exitCode = logFormatOf(argv) === 'json' ? reportErrorJson(error) : reportError(error);
}

// Read --log-format from the raw arguments: a failure may come before (or from) yargs' own parsing.
function logFormatOf(args: readonly string[]): LogFormat {
  const at = args.findIndex((a) => a === '--log-format' || a.startsWith('--log-format='));
  const value = at < 0 ? undefined : args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  return value === 'json' ? 'json' : 'human';
}

// A failure as one JSON line shaped like the log's own (pino's fatal level), for a log collector.
function reportErrorJson(error: unknown): number {
  const known = error instanceof RecoverableError ? error : undefined;
  const line = {
    level: 60,
    time: Date.now(),
    tool: 'recoverable',
    code: known?.code ?? 'internal',
    exitCode: exitCodeOf(categoryOf(error)),
    msg: redactSecrets(known ? known.message : `internal error: ${(error as Error)?.stack ?? String(error)}`),
    ...(known ? { hint: redactSecrets(hintOf(known)) } : {}),
    ...(known instanceof ScenarioError && known.issues.length ? { issues: known.issues } : {}),
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  return line.exitCode;
}

// Print a failure for a person: what happened, what to do; exit code from the error's category.
function reportError(error: unknown): number {
  if (error instanceof RecoverableError) {
    process.stderr.write(`recoverable: ${redactSecrets(error.message)}\n`);
    // A scenario problem found at run time: name the field and the fix, as a load error does.
    if (error instanceof ScenarioError) {
      for (const issue of error.issues.filter((i) => !error.message.includes(i.path)))
        process.stderr.write(`${issue.path}: ${issue.problem} (fix: ${issue.fix})\n`);
    }
    process.stderr.write(`hint: ${redactSecrets(hintOf(error))}\n`);
  } else {
    process.stderr.write(`recoverable: internal error: ${redactSecrets((error as Error)?.stack ?? String(error))}\n`);
  }
  return exitCodeOf(categoryOf(error));
}
