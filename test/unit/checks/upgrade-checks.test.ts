import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explanation, mentionedReports, upgradeChecks, type UpgradeRun } from '../../../src/checks/upgrade-checks.ts';

// pg_upgrade 17's output when a data type check fails (check.c: one "failed check" line, then the collected reports).
const PG17_REG = `Performing Consistency Checks
-----------------------------
Checking cluster versions                                     ok
Checking database user is the install user                    ok
Checking for prepared transactions                            ok
Checking data type usage                                      failed check: Checking for reg* data types in user tables
fatal

Data type checks failed: Your installation contains one of the reg* data types in user tables.
These data types reference system OIDs that are not preserved by
pg_upgrade, so this cluster cannot currently be upgraded.  You can
drop the problem columns and restart the upgrade.

A list of the problem columns is in the file:
    /w/recoverable-upgrade17-x/data/pg_upgrade_output.d/20261202T082458.123/tables_using_reg.txt
Failure, exiting
`;

// pg_upgrade 15's and 16's shape: the step's own line ends in "fatal", the paragraph runs into the file line.
const PG15_LIBRARIES = `Checking for presence of required libraries                 fatal

Your installation references loadable libraries that are missing from the
new installation.  You can add these libraries to the new installation,
or remove the functions using them from the old installation.  A list of
problem libraries is in the file:
    /d/pg_upgrade_output.d/20261202T000000.000/loadable_libraries.txt

Failure, exiting
`;

const run = (over: Partial<UpgradeRun>): UpgradeRun => ({
  step: 'check',
  ok: false,
  output: '',
  reports: [],
  durationMs: 12.4,
  toVersion: '17.12',
  ...over,
});

test('each report pg_upgrade wrote is a failed check upgrade:<report> quoting its explanation and the report', () => {
  const [check, ...rest] = upgradeChecks(
    run({
      output: PG17_REG,
      reports: [{ file: 'tables_using_reg.txt', text: 'In database: app\n  public.lookups.fn\n' }],
    }),
  );
  assert.equal(rest.length, 0);
  assert.equal(check!.id, 'upgrade:tables_using_reg');
  assert.equal(check!.status, 'failed');
  assert.deepEqual(check!.actual, ['In database: app', 'public.lookups.fn']);
  assert.equal(
    check!.message,
    'pg_upgrade --check (PostgreSQL 17.12) refused the cluster: "Checking for reg* data types in user tables: Your installation contains one of the reg* data types in user tables. These data types reference system OIDs that are not preserved by pg_upgrade, so this cluster cannot currently be upgraded.  You can drop the problem columns and restart the upgrade."; tables_using_reg.txt: In database: app | public.lookups.fn',
  );
});

test("the 15/16 layout: the step is the line ending in fatal, the paragraph ends with the file's introduction", () => {
  assert.equal(
    explanation(PG15_LIBRARIES, 'loadable_libraries.txt'),
    'Checking for presence of required libraries: Your installation references loadable libraries that are missing from the new installation.  You can add these libraries to the new installation, or remove the functions using them from the old installation.  A list of problem libraries is in the file:',
  );
  assert.equal(explanation(PG15_LIBRARIES, 'other.txt'), null);
});

test('a report named in the output but missing from the directory still fails by name; two reports are two checks', () => {
  const checks = upgradeChecks(run({ output: PG17_REG }));
  assert.deepEqual(
    checks.map((c) => [c.id, c.status]),
    [['upgrade:tables_using_reg', 'failed']],
  );
  assert.match(checks[0]!.message, /tables_using_reg\.txt was not found in pg_upgrade_output\.d/);
  const two = upgradeChecks(
    run({
      output: PG17_REG,
      reports: [
        { file: 'tables_using_composite.txt', text: 'In database: app\n  public.t.c\n' },
        { file: 'tables_using_reg.txt', text: 'x' },
      ],
    }),
  );
  assert.deepEqual(
    two.map((c) => c.id),
    ['upgrade:tables_using_composite', 'upgrade:tables_using_reg'],
  );
  assert.deepEqual(mentionedReports(PG17_REG + PG15_LIBRARIES), ['tables_using_reg.txt', 'loadable_libraries.txt']);
});

test("a failure without a report is upgrade:pg_upgrade quoting the last lines; success passes with pg_upgrade's own verdict", () => {
  const output =
    'Checking cluster versions                                     ok\n\nThe source cluster was not shut down cleanly.\nFailure, exiting\n';
  const [failed] = upgradeChecks(run({ step: 'link', output }));
  assert.equal(failed!.id, 'upgrade:pg_upgrade');
  assert.equal(failed!.status, 'failed');
  assert.equal(
    failed!.message,
    'pg_upgrade --link (PostgreSQL 17.12) failed without a report: The source cluster was not shut down cleanly. | Failure, exiting',
    'steps that went ok are left out',
  );
  const [clone] = upgradeChecks(
    run({
      output:
        'Performing Consistency Checks\n-----------------------------\nChecking for presence of required libraries                   ok\ncould not clone file between old and new data directories: Operation not supported\nFailure, exiting\n',
    }),
  );
  assert.equal(
    clone!.message,
    'pg_upgrade --check (PostgreSQL 17.12) failed without a report: could not clone file between old and new data directories: Operation not supported | Failure, exiting',
  );
  const [ok] = upgradeChecks(run({ ok: true, output: '\n*Clusters are compatible*\n' }));
  assert.deepEqual(
    [ok!.id, ok!.status, ok!.message],
    ['upgrade:check', 'passed', 'pg_upgrade --check (PostgreSQL 17.12): Clusters are compatible'],
  );
  const [done] = upgradeChecks(run({ ok: true, step: 'copy', output: 'Upgrade Complete\n----------------\n' }));
  assert.deepEqual(
    [done!.id, done!.message],
    ['upgrade:pg_upgrade', 'pg_upgrade --copy (PostgreSQL 17.12): Upgrade Complete'],
  );
});
