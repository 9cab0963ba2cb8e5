// Recovery settings for a restored physical backup (PostgreSQL >= 12): pure, from a resolved target.

/** A target with its values resolved (a marker becomes the xid, time, LSN or name it stands for). */
export type RecoveryTarget =
  | { kind: 'immediate' }
  | { kind: 'latest' }
  | { kind: 'xid'; xid: string; inclusive: boolean }
  | { kind: 'time'; time: string; inclusive: boolean }
  | { kind: 'lsn'; lsn: string; inclusive: boolean }
  | { kind: 'name'; name: string };

export type RecoveryAction = 'pause' | 'promote' | 'shutdown';

/** Settings a restored environment must have so it can never touch production. */
export const ISOLATION_SETTINGS: Readonly<Record<string, string>> = {
  archive_mode: 'off',
  primary_conninfo: "''",
  primary_slot_name: "''",
  // Subscriptions stay defined but can never start a worker, so they cannot connect anywhere.
  max_logical_replication_workers: '0',
  shared_preload_libraries: "''",
  ssl: 'off',
  hot_standby: 'on',
};

/** Quote a value for postgresql.conf. */
export function confValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** recovery_target_time refuses ISO's "T" and "Z": write "YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM", microseconds kept. */
export function serverTime(time: string): string {
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(time.trim());
  if (!iso) return time;
  const zone = iso[3]!.toUpperCase() === 'Z' ? '+00:00' : iso[3]!;
  return `${iso[1]} ${iso[2]}${zone}`;
}

/** Exactly one recovery_target* (none for latest), its inclusiveness, and the action at the target. */
export function recoverySettings(target: RecoveryTarget, restoreCommand: string, action: RecoveryAction): Record<string, string> {
  const settings: Record<string, string> = { restore_command: confValue(restoreCommand), recovery_target_timeline: "'latest'" };
  switch (target.kind) {
    case 'latest':
      return settings;
    case 'immediate':
      settings.recovery_target = "'immediate'";
      break;
    case 'xid':
      settings.recovery_target_xid = confValue(target.xid);
      settings.recovery_target_inclusive = target.inclusive ? 'on' : 'off';
      break;
    case 'time':
      settings.recovery_target_time = confValue(serverTime(target.time));
      settings.recovery_target_inclusive = target.inclusive ? 'on' : 'off';
      break;
    case 'lsn':
      settings.recovery_target_lsn = confValue(target.lsn);
      settings.recovery_target_inclusive = target.inclusive ? 'on' : 'off';
      break;
    case 'name':
      settings.recovery_target_name = confValue(target.name);
      break;
  }
  settings.recovery_target_action = confValue(action);
  return settings;
}

// Keys whose values in a backup's postgresql.auto.conf Recoverable replaces (or must not inherit).
const OWNED_KEY = /^\s*(restore_command|recovery_target\w*|archive_\w+|primary_conninfo|primary_slot_name|port|listen_addresses|unix_socket_directories|hba_file|ident_file|ssl\w*|shared_preload_libraries|max_logical_replication_workers|hot_standby|logging_collector|data_directory|config_file|external_pid_file)\s*=/i;

/** Rewrite postgresql.auto.conf: keep the user's lines except those Recoverable owns, then append its own. */
export function rewriteAutoConf(existing: string, settings: Record<string, string>): string {
  const kept = existing.split('\n').filter((line) => line.trim() !== '' && !OWNED_KEY.test(line));
  const ours = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
  return `${[...kept, '# set by recoverable for this restore', ...ours].join('\n')}\n`;
}

/** The lines of an auto.conf that Recoverable removed because they would reach another server. */
export function dangerousLines(existing: string): string[] {
  return existing.split('\n').filter((line) => /^\s*(primary_conninfo|primary_slot_name|archive_command|archive_library)\s*=/.test(line) && !/=\s*''\s*$/.test(line));
}
