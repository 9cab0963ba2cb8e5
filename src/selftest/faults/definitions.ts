// Faults in what a restore must bring back besides rows: object definitions, database settings, role memberships.
import type { Cluster } from '../../env/cluster.ts';
import type { Fault } from '../fault.ts';
import { SELFTEST_ROLES, SELFTEST_SETTING, SELFTEST_TABLES } from '../fixture.ts';

const DEFINITIONS = 'schema:definitions';
const every = (id: string): Fault['caughtBy'] => ({ dump: id, basebackup: id, snapshot: id });

// Run statements on the restored cluster (`$DB`: the restored database, quoted) and say what was run.
function statements(sql: readonly string[], database = true): (cluster: Cluster, db: string) => Promise<string> {
  return async (cluster, db) => {
    const client = await cluster.connect(database ? db : 'postgres');
    try {
      for (const statement of sql) await client.query(statement.replaceAll('$DB', `"${db.replace(/"/g, '""')}"`));
      return sql.join('; ');
    } finally {
      await client.end();
    }
  };
}

export const viewDefinitionChanged: Fault = {
  id: 'view-definition-changed',
  family: 'definitions',
  injects: `the view ${SELFTEST_TABLES.view} redefined with another predicate (same name, same columns)`,
  reason: new RegExp(`view ${SELFTEST_TABLES.view.replace('.', '\\.')}: definition`),
  caughtBy: every(DEFINITIONS),
  injection: {
    stage: 'restored',
    apply: statements([
      `create or replace view ${SELFTEST_TABLES.view} as select id, amount from selftest.aliased where amount > 101`,
    ]),
  },
};

export const functionBodyChanged: Fault = {
  id: 'function-body-changed',
  family: 'definitions',
  injects: `the body of ${SELFTEST_TABLES.function}(numeric) changed (same signature)`,
  reason: new RegExp(`function ${SELFTEST_TABLES.function.replace('.', '\\.')}\\(`),
  caughtBy: every(DEFINITIONS),
  injection: {
    stage: 'restored',
    apply: statements([
      `create or replace function ${SELFTEST_TABLES.function}(x numeric) returns numeric language sql immutable as 'SELECT x * 3'`,
    ]),
  },
};

export const indexPredicateChanged: Fault = {
  id: 'index-predicate-changed',
  family: 'definitions',
  injects: `the partial index ${SELFTEST_TABLES.partialIndex} rebuilt with another predicate (same name, same column)`,
  reason: new RegExp(`index ${SELFTEST_TABLES.partialIndex.replace('.', '\\.')}: definition`),
  caughtBy: every(DEFINITIONS),
  injection: {
    stage: 'restored',
    apply: statements([
      `drop index ${SELFTEST_TABLES.partialIndex}`,
      `create index ${SELFTEST_TABLES.partialIndex.split('.')[1]} on selftest.indexed (label) where id > 11`,
    ]),
  },
};

export const databaseSettingLost: Fault = {
  id: 'database-setting-lost',
  family: 'definitions',
  injects: `the database setting ${SELFTEST_SETTING.name} = ${SELFTEST_SETTING.value} (ALTER DATABASE ... SET) lost`,
  reason: new RegExp(SELFTEST_SETTING.name),
  caughtBy: every('database:settings'),
  injection: { stage: 'restored', apply: statements([`alter database $DB reset ${SELFTEST_SETTING.name}`], false) },
};

export const roleMembershipLost: Fault = {
  id: 'role-membership-lost',
  family: 'definitions',
  injects: `the membership of ${SELFTEST_ROLES.member} in ${SELFTEST_ROLES.group} lost (both roles still there)`,
  reason: new RegExp(SELFTEST_ROLES.group),
  caughtBy: every(`role:${SELFTEST_ROLES.member}`),
  injection: {
    stage: 'restored',
    apply: statements([`revoke ${SELFTEST_ROLES.group} from ${SELFTEST_ROLES.member}`], false),
  },
};
