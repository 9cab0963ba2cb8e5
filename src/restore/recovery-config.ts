// Recovery settings for a restored physical backup (PostgreSQL >= 12): pure, from a resolved target.
import { redactSecrets } from '../core/redact.ts';

/** A target with its values resolved (a marker becomes the xid, time, LSN or name it stands for). */
export type RecoveryTarget =
  | { kind: 'immediate' }
  | { kind: 'latest' }
  | { kind: 'xid'; xid: string; inclusive: boolean }
  | { kind: 'time'; time: string; inclusive: boolean }
  | { kind: 'lsn'; lsn: string; inclusive: boolean }
  | { kind: 'name'; name: string };

export type RecoveryAction = 'pause' | 'promote' | 'shutdown';

/** Settings a restored environment must have so it can never touch production (archiving and replication: RESTORE_OWNED). */
export const ISOLATION_SETTINGS: Readonly<Record<string, string>> = {
  // Subscriptions stay defined but can never start a worker, so they cannot connect anywhere.
  max_logical_replication_workers: '0',
  shared_preload_libraries: "''",
  ssl: 'off',
  hot_standby: 'on',
};

/**
 * A setting the restore owns: recovery, archiving and replication. Whatever the backup's configuration says, the
 * restore writes it in postgresql.auto.conf (read last, so it wins over postgresql.conf and its includes).
 * `routine`: normal on any source (an archiving primary), so overriding it outside auto.conf is not worth a warning.
 */
interface OwnedSetting {
  name: string;
  neutral: string;
  since?: number;
  until?: number;
  routine?: boolean;
}

/** Every setting the restore owns, with the value it writes when it does not choose one itself, and the majors that know it. */
export const RESTORE_OWNED: readonly OwnedSetting[] = [
  { name: 'restore_command', neutral: "''" },
  { name: 'recovery_end_command', neutral: "''" },
  { name: 'archive_cleanup_command', neutral: "''" },
  { name: 'recovery_min_apply_delay', neutral: '0' },
  // Emptied before the one target is set: a server refuses two recovery_target* that are both set.
  { name: 'recovery_target', neutral: "''" },
  { name: 'recovery_target_lsn', neutral: "''" },
  { name: 'recovery_target_name', neutral: "''" },
  { name: 'recovery_target_time', neutral: "''" },
  { name: 'recovery_target_xid', neutral: "''" },
  { name: 'recovery_target_inclusive', neutral: 'on' },
  { name: 'recovery_target_timeline', neutral: "'latest'" },
  { name: 'recovery_target_action', neutral: "'pause'" },
  { name: 'primary_conninfo', neutral: "''" },
  { name: 'primary_slot_name', neutral: "''" },
  { name: 'promote_trigger_file', neutral: "''", until: 15 },
  { name: 'archive_mode', neutral: 'off', routine: true },
  { name: 'archive_command', neutral: "''", routine: true },
  { name: 'archive_library', neutral: "''", since: 15, routine: true },
  { name: 'archive_timeout', neutral: '0', routine: true },
  // A promoted restore would wait forever for a synchronous standby that never comes.
  { name: 'synchronous_standby_names', neutral: "''", routine: true },
];

const OWNED_NAMES = new Set(RESTORE_OWNED.map((s) => s.name));

/** Every owned setting the major knows and `chosen` does not set, at its neutral value: written before the chosen ones. */
export function neutralSettings(major: number, chosen: Readonly<Record<string, string>>): Record<string, string> {
  const known = RESTORE_OWNED.filter(
    (s) => (s.since === undefined || major >= s.since) && (s.until === undefined || major <= s.until),
  );
  return Object.fromEntries(known.filter((s) => !(s.name in chosen)).map((s) => [s.name, s.neutral]));
}

/** Quote a value for postgresql.conf. */
export function confValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** recovery_target_time refuses ISO's "T" and "Z": write "YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM", microseconds kept. */
export function serverTime(time: string): string {
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(
    time.trim(),
  );
  if (!iso) return time;
  const zone = iso[3]!.toUpperCase() === 'Z' ? '+00:00' : iso[3]!;
  return `${iso[1]} ${iso[2]}${zone}`;
}

/** Exactly one recovery_target* (none for latest), its inclusiveness, and the action at the target. */
export function recoverySettings(
  target: RecoveryTarget,
  restoreCommand: string,
  action: RecoveryAction,
): Record<string, string> {
  const settings: Record<string, string> = {
    restore_command: confValue(restoreCommand),
    recovery_target_timeline: "'latest'",
  };
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

// Keys of a backup's postgresql.auto.conf the restore replaces (or must not inherit), besides RESTORE_OWNED; includes too.
const REPLACED_KEY =
  /^(port|listen_addresses|unix_socket_directories|hba_file|ident_file|ssl\w*|shared_preload_libraries|max_logical_replication_workers|hot_standby|logging_collector|data_directory|config_file|external_pid_file|include|include_if_exists|include_dir)$/i;

/** One `name = value` line of a configuration file. */
export interface ConfSetting {
  name: string;
  /** Unquoted. */
  value: string;
  line: string;
}

/** An include directive of a configuration file, its path as written. */
export interface ConfInclude {
  kind: 'include' | 'include_if_exists' | 'include_dir';
  path: string;
}

const CONF_LINE = /^\s*([A-Za-z_][\w.]*)\s*=?\s*('(?:[^'\\]|''|\\.)*'|[^\s#']*)\s*(?:#.*)?$/;

/** Parse a postgresql.conf-style text into its settings and include directives (comments and blank lines dropped). */
export function parseConf(text: string): { settings: ConfSetting[]; includes: ConfInclude[] } {
  const settings: ConfSetting[] = [];
  const includes: ConfInclude[] = [];
  for (const line of text.split('\n')) {
    const m = CONF_LINE.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    const raw = m[2]!;
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1') : raw;
    if (name === 'include' || name === 'include_if_exists' || name === 'include_dir')
      includes.push({ kind: name, path: value });
    else settings.push({ name, value, line: line.trim() });
  }
  return { settings, includes };
}

/** Rewrite postgresql.auto.conf: keep the user's lines except what the restore owns or replaces, then append its own. */
export function rewriteAutoConf(existing: string, settings: Record<string, string>): string {
  const kept = existing.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    const m = CONF_LINE.exec(line);
    if (!m) return true;
    const name = m[1]!.toLowerCase();
    return !(OWNED_NAMES.has(name) || REPLACED_KEY.test(name) || name in settings);
  });
  const ours = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
  return `${[...kept, '# set by recoverable for this restore', ...ours].join('\n')}\n`;
}

/**
 * Lines of a backup's configuration that set an owned setting to something other than its neutral value, passwords
 * masked: every one in postgresql.auto.conf (removed), the non-routine ones elsewhere (overridden by it).
 */
export function ownedLines(settings: readonly ConfSetting[], where: 'auto.conf' | 'elsewhere'): string[] {
  return settings
    .filter((s) => {
      const owned = RESTORE_OWNED.find((o) => o.name === s.name);
      if (!owned || (where === 'elsewhere' && owned.routine)) return false;
      return s.value !== '' && s.value !== unquote(owned.neutral);
    })
    .map((s) => maskPasswords(s.line));
}

function unquote(value: string): string {
  return value.startsWith("'") ? value.slice(1, -1) : value;
}

// Passwords in a conninfo or URL inside a configuration line (primary_conninfo) never reach a report.
function maskPasswords(line: string): string {
  return redactSecrets(line);
}
