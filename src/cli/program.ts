// The command line: parse, run one command, map errors to exit codes (only here).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { RecoverableError, ScenarioError, ExitCode } from '../core/errors.ts';
import { createLogger, type LogFormat } from '../core/log.ts';
import { interruption } from '../core/interrupt.ts';
import { redactSecrets } from '../core/redact.ts';
import type { CommandContext } from './context.ts';

type Handler = (args: Record<string, unknown>, ctx: CommandContext) => Promise<number>;

// Each command is imported only when it runs, so `--help` and small commands start fast.
const commands: Array<{ name: string; describe: string; options?: (y: Argv) => Argv; load: () => Promise<{ handler: Handler }> }> = [
  {
    name: 'drill <scenario...>',
    describe: 'take a backup (or use a stored one), restore it into a disposable environment, check it, write reports',
    options: (y) => y.positional('scenario', { type: 'string', array: true, describe: 'scenario YAML file(s)' }),
    load: () => import('./drill.ts'),
  },
  {
    name: 'backup <scenario>',
    describe: "take a backup of the scenario's source into its repository (what a nightly schedule runs)",
    options: (y) => y.positional('scenario', { type: 'string', describe: 'scenario YAML file' }),
    load: () => import('./backup.ts'),
  },
  {
    name: 'list <scenario>',
    describe: "list the backups in the scenario's repository",
    options: (y) => y.positional('scenario', { type: 'string' }).option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
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
        .option('prune-orphan-wal', { type: 'boolean', default: false, describe: 'also empty WAL archives no kept backup reads (.history files stay)' })
        .epilogue(
          'A backup is kept if it is among the --keep newest OR younger than --max-age; give at least one. The newest backup is never removed. ' +
            "Only this scenario's backups are considered. WAL is removed per cluster only before the oldest start segment of its kept backups, " +
            'so every kept backup can still be restored to the end of the archive.',
        ),
    load: () => import('./prune.ts'),
  },
  {
    name: 'report <run>',
    describe: 'render the reports of a run again from its result.json',
    options: (y) => y.positional('run', { type: 'string', describe: 'a reports/<run-id> directory or its result.json' }),
    load: () => import('./report.ts'),
  },
  {
    name: 'init [file]',
    describe: 'write a commented starter scenario',
    options: (y) => y.positional('file', { type: 'string', default: 'scenarios/my-drill.yaml' }).option('force', { type: 'boolean', default: false, describe: 'overwrite an existing file' }),
    load: () => import('./init.ts'),
  },
  {
    name: 'doctor [scenario]',
    describe: 'show which PostgreSQL binaries are installed and what a scenario needs',
    options: (y) => y.positional('scenario', { type: 'string' }),
    load: () => import('./doctor.ts'),
  },
  {
    name: 'archive-wal <path> <name>',
    describe: "archive one WAL file into the repository (archive_command = 'recoverable archive-wal %p %f --repository <dir>')",
    options: (y) => y.positional('path', { type: 'string', describe: 'the file to archive (%p)' }).positional('name', { type: 'string', describe: 'its WAL file name (%f)' }).option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' }).option('system', { type: 'string', describe: "the cluster's system identifier: keeps each cluster's WAL apart in one repository" }).option('key-file', { type: 'string', describe: 'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted' }),
    load: () => import('./archive-wal.ts'),
  },
  {
    name: 'fetch-wal <name> <path>',
    describe: "copy one archived WAL file out of the repository, exit 1 if it is not there (restore_command = 'recoverable fetch-wal %f %p --repository <dir>')",
    options: (y) => y.positional('name', { type: 'string', describe: 'the WAL file name (%f)' }).positional('path', { type: 'string', describe: 'where to put it (%p)' }).option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' }).option('system', { type: 'string', describe: "the cluster's system identifier: keeps each cluster's WAL apart in one repository" }).option('key-file', { type: 'string', describe: 'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted' }),
    load: () => import('./fetch-wal.ts'),
  },
  {
    name: 'verify-wal',
    describe: "check that the repository's WAL archive holds every segment from --from to --to (or its newest), following timeline switches",
    options: (y) =>
      y
        .option('repository', { type: 'string', describe: 'repository directory (default: $RECOVERABLE_REPOSITORY)' })
        .option('system', { type: 'string', describe: "the cluster's system identifier" })
        .option('from', { type: 'string', demandOption: true, describe: 'first segment needed, e.g. 000000010000000000000003' })
        .option('to', { type: 'string', describe: 'last segment needed (default: the newest archived on the timeline)' })
        .option('timeline', { type: 'number', describe: 'timeline to follow to (default: that of --to, else the newest descending from --from)' })
        .option('key-file', { type: 'string', describe: 'file holding the repository encryption key (64 hex digits): WAL is stored encrypted / read decrypted' }),
    load: () => import('./verify-wal.ts'),
  },
  {
    name: 'selftest',
    describe: 'inject every fault the checks must catch into drills of a managed source, and show which check caught each',
    options: (y) =>
      y
        // --version here is a PostgreSQL major, as the issue's command line spells it, not the tool's version.
        .version(false)
        .option('method', { choices: ['dump', 'basebackup', 'snapshot', 'all'] as const, default: 'all', describe: 'backup method(s) to test' })
        .option('environment', { choices: ['local', 'docker'] as const, default: 'local', describe: 'where the source runs and backups are restored' })
        .option('version', { type: 'number', describe: 'PostgreSQL major of the source and the restores (default: the newest installed here, else 15)' })
        .option('only', { type: 'string', array: true, describe: 'run only these faults (comma-separated names)' })
        .option('report-dir', { type: 'string', default: 'reports', describe: 'reports go to <report-dir>/<run-id>/' })
        .epilogue('Exit codes: 0 the clean drills passed and every fault was caught by the check meant for it, 1 otherwise, 2 bad flags or an unknown fault (the known ones are listed), 3 this machine cannot run the drills.'),
    load: () => import('./selftest.ts'),
  },
  {
    name: 'cleanup',
    describe: 'remove Docker containers (and their work directories) left behind by runs whose process is gone',
    options: (y) => y.option('all', { type: 'boolean', default: false, describe: 'remove every container Recoverable labelled, including those of live runs and other hosts' }),
    load: () => import('./cleanup.ts'),
  },
];

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.passed;
  let parser = yargs(argv)
    .scriptName('recoverable')
    .usage('$0 <command> [options]\n\nProves PostgreSQL backups restore.')
    .option('log-format', { choices: ['human', 'json'] as const, describe: 'human lines on a terminal, JSON otherwise' })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' })
    .strict()
    .demandCommand(1, 'name a command')
    .epilogue('Exit codes: 0 passed, 1 a check or objective failed, 2 bad usage or scenario, 3 the environment cannot run the drill, 130 interrupted.')
    .fail((message, error) => {
      throw error ?? new RecoverableError('usage', ExitCode.usage, message, { hint: 'run `recoverable --help`' });
    })
    .help()
    .version();
  for (const command of commands) {
    parser = parser.command(command.name, command.describe, command.options ?? ((y) => y), async (args) => {
      const logFormat = args['log-format'] as LogFormat | undefined;
      const log = createLogger({ ...(logFormat ? { format: logFormat } : {}), level: String(args['log-level']) });
      interruption.install((code) => process.exit(code));
      const { handler } = await command.load();
      exitCode = await handler(args as Record<string, unknown>, { log, cwd: process.cwd() });
    });
  }
  await parser.parseAsync();
  return exitCode;
}

try {
  process.exitCode = await main(hideBin(process.argv));
} catch (error) {
  process.exitCode = reportError(error);
}

// Print a failure for a person: what happened, what to do; exit code from the error's class.
function reportError(error: unknown): number {
  if (error instanceof RecoverableError) {
    process.stderr.write(`recoverable: ${redactSecrets(error.message)}\n`);
    // A scenario problem found at run time: name the field and the fix, as a load error does.
    if (error instanceof ScenarioError) {
      for (const issue of error.issues.filter((i) => !error.message.includes(i.path))) process.stderr.write(`${issue.path}: ${issue.problem} (fix: ${issue.fix})\n`);
    }
    if (error.hint) process.stderr.write(`hint: ${redactSecrets(error.hint)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`recoverable: internal error: ${redactSecrets((error as Error)?.stack ?? String(error))}\n`);
  return ExitCode.failed;
}
