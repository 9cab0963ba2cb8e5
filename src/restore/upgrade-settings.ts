// What pg_upgrade needs the new cluster to share with the old one, read from the old, and the command lines built from it.
import type pg from 'pg';

/** Settings pg_upgrade requires to match between the old and the new cluster. */
export interface ClusterSettings {
  encoding: string;
  collate: string;
  ctype: string;
  /** `c` libc, `i` icu, `b` builtin (17+). */
  localeProvider: 'c' | 'i' | 'b';
  /** ICU or builtin locale of template0 (null with libc). */
  providerLocale: string | null;
  dataChecksums: boolean;
  walSegmentMb: number;
}

/** Read template0's encoding and locale and the cluster-wide settings pg_upgrade compares, from a running old cluster. */
export async function readClusterSettings(client: pg.Client, major: number): Promise<ClusterSettings> {
  // The locale provider exists from 15; its locale column is daticulocale in 15 and 16, datlocale from 17.
  const provider = major >= 15 ? 'datlocprovider::text' : "'c'";
  const locale = major >= 17 ? 'datlocale' : major >= 15 ? 'daticulocale' : 'null::text';
  const { rows } = await client.query<{
    encoding: string;
    collate: string;
    ctype: string;
    provider: string;
    locale: string | null;
    checksums: string;
    segsize: string;
  }>(
    `select pg_encoding_to_char(encoding) as encoding, datcollate as collate, datctype as ctype, ${provider} as provider, ${locale} as locale,
            current_setting('data_checksums') as checksums, current_setting('wal_segment_size') as segsize
       from pg_database where datname = 'template0'`,
  );
  const r = rows[0];
  // Cannot happen: every cluster has template0, and a restored one cannot drop it.
  if (!r) throw new Error('template0 is missing from pg_database');
  return {
    encoding: r.encoding,
    collate: r.collate,
    ctype: r.ctype,
    localeProvider: r.provider === 'i' || r.provider === 'b' ? r.provider : 'c',
    providerLocale: r.locale,
    dataChecksums: r.checksums === 'on',
    walSegmentMb: segmentMegabytes(r.segsize),
  };
}

/** `wal_segment_size` as SHOW prints it ("16MB", "1GB") in megabytes. */
export function segmentMegabytes(shown: string): number {
  const m = /^(\d+)\s*(MB|GB)$/i.exec(shown.trim());
  // Cannot happen: PostgreSQL shows wal_segment_size in MB or GB (a power of two from 1 MB to 1 GB).
  if (!m) throw new Error(`unexpected wal_segment_size "${shown}"`);
  return Number(m[1]) * (m[2]!.toUpperCase() === 'GB' ? 1024 : 1);
}

/** initdb arguments for the new cluster: the old one's superuser, encoding, locale, checksums and WAL segment size. */
export function upgradeInitdbArgs(settings: ClusterSettings, to: number, dataDir: string, superuser: string): string[] {
  const args = [
    '-D',
    dataDir,
    '-U',
    superuser,
    '-E',
    settings.encoding,
    `--lc-collate=${settings.collate}`,
    `--lc-ctype=${settings.ctype}`,
  ];
  if (settings.localeProvider === 'i')
    args.push('--locale-provider=icu', `--icu-locale=${settings.providerLocale ?? settings.collate}`);
  if (settings.localeProvider === 'b')
    args.push('--locale-provider=builtin', `--builtin-locale=${settings.providerLocale ?? 'C'}`);
  // From 18 initdb turns checksums on by default: say off explicitly when the old cluster has none.
  if (settings.dataChecksums) args.push('--data-checksums');
  else if (to >= 18) args.push('--no-data-checksums');
  args.push(`--wal-segsize=${settings.walSegmentMb}`);
  // Sockets only inside the private directory; no password exists, so TCP logins are impossible.
  args.push('--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync');
  return args;
}

/** Where pg_upgrade finds each side. */
export interface UpgradePaths {
  oldBin: string;
  newBin: string;
  oldData: string;
  newData: string;
  /** Private directory for the servers' sockets (pg_upgrade's own default is its cwd). */
  socketDir: string;
  superuser: string;
  oldPort: number;
  newPort: number;
}

/** pg_upgrade's arguments: `--check` (with the transfer mode, so pg_upgrade also checks it can link or clone) or the upgrade. */
export function pgUpgradeArgs(
  paths: UpgradePaths,
  options: { check: boolean; transfer: 'copy' | 'link' | 'clone' | null; jobs: number },
): string[] {
  return [
    '-b',
    paths.oldBin,
    '-B',
    paths.newBin,
    '-d',
    paths.oldData,
    '-D',
    paths.newData,
    '-U',
    paths.superuser,
    '-p',
    String(paths.oldPort),
    '-P',
    String(paths.newPort),
    '-s',
    paths.socketDir,
    '-j',
    String(Math.max(1, options.jobs)),
    ...(options.check ? ['--check'] : []),
    ...(options.transfer ? [`--${options.transfer}`] : []),
  ];
}
