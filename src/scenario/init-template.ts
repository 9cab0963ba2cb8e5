// The scenario `recoverable init` writes: every option shown and explained, valid as it stands.

const STARTER = `# A Recoverable scenario: what to back up, where to restore it, what to check, and the objectives.
# Relative paths resolve against the directory you run recoverable from.
# Durations are written with units: 500ms, 30s, 5m, 1h30m.

# Lowercase letters, digits, ".", "_" and "-"; names the run and its report.
name: starter

# The database that is backed up: exactly one of managed or url.
source:
  managed:                      # Recoverable starts, fills and owns a disposable cluster
    version: 15                 # PostgreSQL major version, 13 to 18
    database: app               # the database that is filled, backed up and checked
    fixtures: []                # SQL files loaded in order before the workload, e.g. [fixtures/shop.sql]
    workload: { seed: 42, transactions: 1000 }   # a repeatable workload; 0 transactions loads fixtures only
    dataChecksums: true         # initdb --data-checksums, so pg_checksums can verify the restore
  # url: \${DATABASE_URL}        # a real server instead of managed; \${VAR} comes from the environment,
  #                             # so the password never sits in this file ($\${ writes a literal \${)
  # restoreCommand: "..."       # url only: replay another tool's WAL archive (physical drills)
  # markers: false              # url only: allow writing PITR markers into a \`recoverable\` schema

repository: .recoverable/repo   # where backups and the archived WAL live

backup:
  method: dump                  # dump (pg_dump) | basebackup (pg_basebackup) | snapshot (your volume snapshot)
  jobs: 2                       # parallel jobs for dump and restore, 1 to 64
  # use: latest                 # restore a backup already in the repository (latest | random | <id>)
  #                             # instead of taking one: nightly drills of last night's backup;
  #                             # only this scenario's own backups (same name, method and source)
  # snapshot: { driver: copy }  # method snapshot only: driver btrfs | copy, or your own commands:
  # snapshot: { command: "...", restoreCommand: "...", deleteCommand: "...", timeout: 10m }

restore:
  environment: local            # local (PostgreSQL binaries on this machine) | docker
  # image: postgres:17          # docker only: any image with PostgreSQL on PATH
  # version: 17                 # restore into another major version: an upgrade rehearsal (dump only)
  noOwner: false                # pg_restore --no-owner: do not restore object owners
  noPrivileges: false           # pg_restore --no-privileges: do not restore grants
  targets: [immediate]          # immediate | latest | {time} | {lsn} | {xid} | {name} | {marker};
  #                             # anything but immediate needs backup.method basebackup or snapshot
  #   - { latest: true, checks: [amcheck] }     # every kind has an object form that may carry checks
  #   - { time: "2024-05-01T12:00:00.123456Z" } # a time with a UTC offset, to the microsecond
  #   - { lsn: "0/1A2B3C", inclusive: false }   # inclusive (default true): recover the target itself
  #   - { xid: 1234, checks: [ { sql: { query: "select count(*) from shop.orders", expect: 2000 } } ] }
  #                             # a target may carry its own checks, run in addition to the ones below
  #   - { name: before-migration }              # a restore point made with pg_create_restore_point
  #   - { marker: batch-2 }                     # a managed basebackup or snapshot drill writes batch-1, batch-2, batch-3
  # matrix: { version: [15, 17, 18] }           # run the drill once per restore version

# What to verify on every restore; a drill with nothing to check proves nothing.
checks:
  - rowcounts                   # per-table row counts match the source
  - fingerprints                # per-table content hashes match the source
  - schema                      # schemas, constraints and index validity match
  # - sequences                 # every sequence is at least where the source left it
  # - large-objects             # large objects came back
  # - roles                     # the roles the objects need exist
  - amcheck: { heapallindexed: true }   # heap and btree checks; heapallindexed also finds missing index entries
  - sql:                        # your own assertion: the first column of the first row must equal expect
      query: "select count(*) from pg_index where not indisvalid"
      expect: 0                 # a number, text, true/false or null
      name: no invalid indexes  # shown in reports; defaults to the query
      # database: app           # defaults to the source database

objectives:
  rto: 5m                       # longest acceptable time from start of restore to verified database
  rpo: 1m                       # most data you can afford to lose

report:
  dir: reports                  # one folder per run: reports/<run-id>/
  formats: [json, junit, markdown, html]   # result.json, junit.xml, a Markdown summary, an HTML page

# Signed backups and evidence (Ed25519); keys never in this file and never inside the repository.
# evidence:
#   signingKey: { file: /etc/recoverable/signing.pem }  # private key (PKCS#8 PEM) where backups are taken
#   verifyKey: { env: RECOVERABLE_VERIFY_KEY }          # public key (PEM, or a path to it) where drills run
#   require: signed                                     # signed | any: fail a drill of an unsigned backup
`;

/** A fully commented starter scenario (YAML text) that loads as it is; `schema` heads it for editors. */
export function starterScenario(schema?: string): string {
  return schema ? `${schemaLine(schema)}${STARTER}` : STARTER;
}

/** The comment that tells YAML editors (yaml-language-server) which JSON Schema checks the file. */
export function schemaLine(schema: string): string {
  return `# yaml-language-server: $schema=${schema}\n`;
}
