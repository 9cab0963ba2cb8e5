// Every error code Recoverable raises, with its category and the one-line hint shown when the error names none.

/** What kind of trouble an error is; the CLI entry alone maps a category to an exit code. */
export type ErrorCategory = 'usage' | 'environment' | 'backup-unusable' | 'failed' | 'interrupted' | 'internal';

/** One registered code: its category and a default hint. */
export interface ErrorCodeEntry {
  readonly category: ErrorCategory;
  readonly hint: string;
}

/** The registry: a stable code, what kind of trouble it is, and what to do about it. */
export const errorCodes = {
  usage: { category: 'usage', hint: 'run `recoverable --help` for the commands and their options' },
  'scenario-invalid': {
    category: 'usage',
    hint: 'fix what the lines above name; `recoverable schema scenario` prints the scenario schema',
  },
  'wal-encrypted': { category: 'usage', hint: "pass --key-file with the repository's key" },
  'wal-name-invalid': { category: 'usage', hint: 'pass %f (the WAL file name PostgreSQL gives) as the name' },
  'binaries-missing': {
    category: 'environment',
    hint: 'install the PostgreSQL packages of that major, set RECOVERABLE_PG_BIN, or use restore.environment: docker',
  },
  'commit-timestamps-off': {
    category: 'environment',
    hint: 'set track_commit_timestamp = on on the source and restart it: markers need commit times',
  },
  'container-wal-missing': {
    category: 'environment',
    hint: 'check the container image ships the PostgreSQL tools of its major',
  },
  'docker-exec-failed': {
    category: 'environment',
    hint: 'check the Docker engine answers (`docker info`) and the container is still running',
  },
  'docker-image-missing': {
    category: 'environment',
    hint: '`docker pull` the image, or build one with PostgreSQL on PATH and set restore.image',
  },
  'docker-image-unusable': {
    category: 'environment',
    hint: 'use an image that runs PostgreSQL of the scenario major with its tools on PATH',
  },
  'docker-not-started': {
    category: 'environment',
    hint: 'the container stopped or never started: read the log above for why',
  },
  'docker-pull-timeout': {
    category: 'environment',
    hint: '`docker pull` the image by hand, or build it locally and set restore.image',
  },
  'docker-start-failed': {
    category: 'environment',
    hint: 'read the container log above; check the image starts PostgreSQL',
  },
  'docker-unreachable': {
    category: 'environment',
    hint: 'start the Docker engine, or set DOCKER_HOST to one that answers',
  },
  'incremental-label': { category: 'environment', hint: 'check that pg_basebackup is PostgreSQL 17 or newer' },
  'key-mismatch': {
    category: 'environment',
    hint: 'point repository.encryption.key at the key the backups were taken with',
  },
  'ledger-damaged': {
    category: 'environment',
    hint: 'the run ledger in the repository was altered: restore it from a copy, or move it aside to start a new one',
  },
  'ledger-too-new': {
    category: 'environment',
    hint: 'use the Recoverable release that wrote the ledger, or a newer one',
  },
  'ledger-unavailable': {
    category: 'environment',
    hint: 'check the repository directory is writable and has free space',
  },
  'metrics-push-failed': { category: 'environment', hint: 'check the Pushgateway URL answers' },
  'metrics-write-failed': { category: 'environment', hint: 'check the metrics file directory exists and is writable' },
  'missing-grant': { category: 'environment', hint: 'run the named GRANT statements on the source as a superuser' },
  'no-cluster-user': {
    category: 'environment',
    hint: 'create the postgres OS user, or run Recoverable as an ordinary user',
  },
  'recovery-timeout': { category: 'environment', hint: "read the restored server's log for what recovery waited on" },
  'report-write-failed': {
    category: 'environment',
    hint: 'check the reports directory exists, is writable and has free space',
  },
  'server-start-failed': { category: 'environment', hint: 'read the server log for why PostgreSQL did not start' },
  'source-unreachable': {
    category: 'environment',
    hint: 'check the source URL, that the server runs and accepts the connection',
  },
  'standby-wal-unarchived': {
    category: 'environment',
    hint: 'have the primary finish the segment (`SELECT pg_switch_wal()` there, or a short archive_timeout) and archive it here',
  },
  'summarize-wal-off': { category: 'environment', hint: 'set summarize_wal = on on the source and reload it' },
  'wal-switch-failed': {
    category: 'environment',
    hint: "read the source's server log for why pg_switch_wal() failed, or set archive_timeout on the source",
  },
  'work-dir-unreachable': {
    category: 'environment',
    hint: 'set RECOVERABLE_WORK_DIR to a directory the postgres OS user can reach',
  },
  'work-dir-unusable': {
    category: 'environment',
    hint: 'set RECOVERABLE_WORK_DIR to a directory that exists, is writable and has free space',
  },
  'workload-failed': { category: 'environment', hint: 'check the source accepts writes from the scenario role' },
  'backup-unusable': { category: 'backup-unusable', hint: 'take a new backup: this one cannot be restored as it is' },
  'ciphertext-damaged': {
    category: 'backup-unusable',
    hint: 'the encrypted file was altered after it was written: take a new backup',
  },
  'snapshot-missing': { category: 'backup-unusable', hint: 'take a new snapshot backup: its snapshot is gone' },
  'wal-history-invalid': {
    category: 'backup-unusable',
    hint: 'the WAL archive holds a damaged timeline history file: archive it again from the server',
  },
  'encrypted-file-too-large': {
    category: 'failed',
    hint: 'a file this large cannot be encrypted as one file: take this backup with repository.encryption off',
  },
  'snapshot-failed': {
    category: 'failed',
    hint: 'check the snapshot driver can snapshot the data directory (btrfs subvolume, free space)',
  },
  'tool-failed': { category: 'failed', hint: 'read the tool output above; run the command by hand to see why' },
  'user-command-failed': {
    category: 'failed',
    hint: 'run the command by hand with the same environment variables to see why',
  },
  'wal-archive-failed': { category: 'failed', hint: 'check the repository directory is writable and has free space' },
  'wal-conflict': {
    category: 'failed',
    hint: 'give each server its own repository; the archived file was not changed',
  },
  'wal-fetch-failed': {
    category: 'failed',
    hint: 'check the WAL archive of the repository holds the file and is readable',
  },
  interrupted: {
    category: 'interrupted',
    hint: 'run the command again; `recoverable cleanup` removes what an interrupted run left',
  },
  internal: { category: 'internal', hint: 'this is a defect in Recoverable: report it with the stack trace above' },
  'fault-not-injectable': {
    category: 'internal',
    hint: 'the selftest base backup lacks what this fault damages: this is a defect in the selftest, report it',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A registered error code; a typo does not compile. */
export type ErrorCode = keyof typeof errorCodes;

/** The codes of one category, e.g. those an EnvironmentError may carry. */
export type ErrorCodeOf<C extends ErrorCategory> = {
  [K in ErrorCode]: (typeof errorCodes)[K]['category'] extends C ? K : never;
}[ErrorCode];
