// How reports say what a pg_upgrade rehearsal did to the restored cluster.
import type { UpgradeSummary } from '../run/result.ts';

/** E.g. "upgraded to PostgreSQL 17.12 with pg_upgrade --link", or why no upgrade was performed. */
export function upgradeText(upgrade: UpgradeSummary): string {
  if (upgrade.performed) return `upgraded to PostgreSQL ${upgrade.toVersion} with pg_upgrade --${upgrade.mode}`;
  return upgrade.mode === 'check'
    ? `pg_upgrade --check to PostgreSQL ${upgrade.toVersion} only: no upgrade was performed`
    : `not upgraded to PostgreSQL ${upgrade.toVersion}: pg_upgrade --${upgrade.mode} did not complete`;
}
