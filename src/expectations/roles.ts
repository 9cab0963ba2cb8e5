// Cluster roles as a restore must bring them back: attributes, memberships, settings, password, validity, limits.
import type pg from 'pg';

/** One role this role is a member of (who granted it aside: a restore may record another grantor). */
export interface RoleMembership {
  /** The role granted. */
  role: string;
  admin: boolean;
  /** PostgreSQL 16+: whether the member inherits the role's privileges (null before 16). */
  inherit: boolean | null;
  /** PostgreSQL 16+: whether the member may SET ROLE to it (null before 16). */
  set: boolean | null;
}

/** A role's password as seen in pg_authid: its kind and a SHA-256 of the stored verifier, never the verifier. */
export interface RolePassword {
  kind: 'none' | 'scram-sha-256' | 'md5' | 'other';
  /** Hex SHA-256 of rolpassword (null when there is none). */
  sha256: string | null;
}

/** A cluster role, built-in pg_ roles left out. */
export interface RoleExpectation {
  name: string;
  /** The attributes that differ from CREATE ROLE's defaults, as its keywords (SUPERUSER, NOINHERIT, LOGIN ...), in a fixed order. */
  attributes: string[];
  /** -1: no limit. */
  connectionLimit: number;
  /** VALID UNTIL in UTC ("2031-01-01 00:00:00.000000 UTC", "infinity"), null: never expires. */
  validUntil: string | null;
  /** null: the capturing role could not read pg_authid (only a superuser can), so passwords are unknown. */
  password: RolePassword | null;
  memberOf: RoleMembership[];
  /** ALTER ROLE ... SET for all databases, "name=value", sorted. */
  settings: string[];
  /** The cluster's bootstrap superuser (OID 10), the role initdb made. */
  bootstrap: boolean;
  /** COMMENT ON ROLE (absent in expectations stored before comments were captured: then not compared). */
  comment?: string | null;
}

// CREATE ROLE keywords for attributes that are not the default, in the order pg_dumpall writes them.
const ATTRIBUTES = `array_remove(array[case when r.rolsuper then 'SUPERUSER' end, case when not r.rolinherit then 'NOINHERIT' end,
  case when r.rolcreaterole then 'CREATEROLE' end, case when r.rolcreatedb then 'CREATEDB' end, case when r.rolcanlogin then 'LOGIN' end,
  case when r.rolreplication then 'REPLICATION' end, case when r.rolbypassrls then 'BYPASSRLS' end], null)`;

/** Whether this session may read password verifiers (pg_authid); pg_dumpall needs the same, or --no-role-passwords. */
export async function canReadPasswords(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    "select has_table_privilege('pg_catalog.pg_authid', 'select') as ok",
  );
  return rows[0]!.ok;
}

/** Every non-built-in role of the cluster, sorted by name. */
export async function readRoles(client: pg.Client): Promise<RoleExpectation[]> {
  const { rows } = await client.query<{
    name: string;
    attributes: string[];
    connlimit: number;
    valid: string | null;
    bootstrap: boolean;
    comment: string | null;
  }>(
    `select r.rolname as name, ${ATTRIBUTES} as attributes, r.rolconnlimit as connlimit, r.oid = 10 as bootstrap,
            pg_catalog.shobj_description(r.oid, 'pg_authid') as comment,
            case when r.rolvaliduntil is null then null when isfinite(r.rolvaliduntil) then to_char(r.rolvaliduntil at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"')
                 else r.rolvaliduntil::text end as valid
       from pg_catalog.pg_roles r where r.rolname !~ '^pg_' order by r.rolname collate "C"`,
  );
  const passwords = (await canReadPasswords(client)) ? await readPasswords(client) : null;
  const memberships = await readMemberships(client);
  const settings = await readRoleSettings(client);
  return rows.map((r) => ({
    name: r.name,
    attributes: r.attributes,
    connectionLimit: r.connlimit,
    validUntil: r.valid,
    password: passwords ? (passwords.get(r.name) ?? { kind: 'none', sha256: null }) : null,
    memberOf: memberships.get(r.name) ?? [],
    settings: settings.get(r.name) ?? [],
    bootstrap: r.bootstrap,
    comment: r.comment,
  }));
}

// Kind and digest of each stored verifier, computed in the server so the verifier itself never leaves it.
async function readPasswords(client: pg.Client): Promise<Map<string, RolePassword>> {
  const { rows } = await client.query<{ name: string; kind: RolePassword['kind']; sha256: string | null }>(
    `select rolname as name,
            case when rolpassword is null then 'none' when rolpassword like 'SCRAM-SHA-256$%' then 'scram-sha-256'
                 when rolpassword ~ '^md5[0-9a-f]{32}$' then 'md5' else 'other' end as kind,
            encode(sha256(convert_to(rolpassword, 'UTF8')), 'hex') as sha256
       from pg_catalog.pg_authid where rolname !~ '^pg_'`,
  );
  return new Map(rows.map((r) => [r.name, { kind: r.kind, sha256: r.sha256 }]));
}

// Memberships of non-built-in roles; one entry per distinct set of options (PostgreSQL 16+ keeps one grant per grantor).
async function readMemberships(client: pg.Client): Promise<Map<string, RoleMembership[]>> {
  const options =
    (await serverVersionNum(client)) >= 160000
      ? 'am.inherit_option as inherit, am.set_option as set'
      : 'null::boolean as inherit, null::boolean as set';
  const { rows } = await client.query<{ member: string } & RoleMembership>(
    `select distinct m.rolname as member, r.rolname as role, am.admin_option as admin, ${options}
       from pg_catalog.pg_auth_members am join pg_catalog.pg_roles r on r.oid = am.roleid join pg_catalog.pg_roles m on m.oid = am.member
      where m.rolname !~ '^pg_' order by 1, 2, 3, 4, 5`,
  );
  const byMember = new Map<string, RoleMembership[]>();
  for (const { member, ...membership } of rows) byMember.set(member, [...(byMember.get(member) ?? []), membership]);
  return byMember;
}

// ALTER ROLE ... SET that apply in every database (setdatabase 0); per-database ones belong to the database's properties.
async function readRoleSettings(client: pg.Client): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ name: string; settings: string[] }>(
    `select r.rolname as name, array(select s from unnest(d.setconfig) s order by s collate "C") as settings
       from pg_catalog.pg_db_role_setting d join pg_catalog.pg_roles r on r.oid = d.setrole where d.setdatabase = 0`,
  );
  return new Map(rows.map((r) => [r.name, r.settings]));
}

/** The server's version number, e.g. 150018: which catalog columns exist. */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select current_setting('server_version_num') as n");
  return Number(rows[0]!.n);
}
