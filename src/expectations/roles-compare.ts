// Compare the restored cluster's roles with the backup's: one summary result, and one result per role that differs.
import type { CheckResult, Exactness } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { RoleExpectation, RoleMembership, RolePassword } from './roles.ts';

/** One property of a role that differs, with both sides as a person reads them. */
export interface RoleDifference {
  property:
    'role' | 'attributes' | 'connection limit' | 'valid until' | 'password' | 'memberships' | 'settings' | 'comment';
  backup: string;
  restored: string;
}

/** Why passwords could not be compared, as the report says it. */
export const PASSWORDS_NOT_DUMPED =
  'role passwords were not dumped: the backup role could not read pg_authid (only a superuser can), so the globals were taken with --no-role-passwords and password presence cannot be compared';

/** Whether the backup's roles were captured without their passwords (a non-superuser backup role). */
export function passwordsUnknown(roles: readonly RoleExpectation[]): boolean {
  return roles.some((r) => r.password === null);
}

/**
 * Compare roles by name. Extra roles in the restore fail, except the restore environment's own bootstrap
 * superuser when the backup has no role of that name (the source's bootstrap superuser is then restored as an
 * ordinary role under its own name). Passwords are compared only when both sides could read them: otherwise the
 * comparison is `bounded` and says so.
 */
export function compareRoles(
  expected: readonly RoleExpectation[],
  actual: readonly RoleExpectation[],
  exactness: Exactness,
  durationMs: number,
): CheckResult[] {
  if (expected.some((r) => typeof r !== 'object')) {
    return [
      {
        id: 'roles',
        kind: 'roles',
        status: 'errored',
        exactness: 'not-available',
        message:
          "the backup's expectations list roles by name only (taken by an older Recoverable): take a new backup to compare roles",
        durationMs,
      },
    ];
  }
  const comparePasswords = !passwordsUnknown(expected) && !passwordsUnknown(actual);
  const bound: Exactness = comparePasswords ? exactness : 'bounded';
  const byName = new Map(actual.map((r) => [r.name, r]));
  const wanted = new Set(expected.map((r) => r.name));
  const differing = new Map<string, RoleDifference[]>();
  for (const want of expected) {
    const got = byName.get(want.name);
    const diffs = got
      ? roleDifferences(want, got, comparePasswords)
      : [{ property: 'role' as const, backup: 'present', restored: 'missing' }];
    if (diffs.length) differing.set(want.name, diffs);
  }
  const own = actual.find((r) => r.bootstrap && !wanted.has(r.name));
  for (const extra of actual.filter((r) => !wanted.has(r.name) && r !== own)) {
    differing.set(extra.name, [{ property: 'role', backup: 'absent', restored: `present (${describeRole(extra)})` }]);
  }
  const results: CheckResult[] = [];
  const comments = expected.every((r) => r.comment !== undefined);
  const note = `${
    comparePasswords
      ? ''
      : ` (passwords not compared: ${passwordsUnknown(expected) ? 'the backup did not read them' : 'the restore could not read them'})`
  }${comments ? '' : " (comments not compared: the backup's expectations predate them: a new backup compares them)"}`;
  if (differing.size === 0) {
    const ownNote = own ? `; ${own.name} is the restore environment's own bootstrap superuser` : '';
    results.push(
      pass(
        'roles',
        'roles',
        bound,
        expected.length,
        expected.length,
        `all ${expected.length} roles match: attributes, memberships, settings, validity, connection limits${comments ? ', comments' : ''}${comparePasswords ? ', passwords' : ''}${note}${ownNote}`,
        durationMs,
      ),
    );
    return results;
  }
  const summary = [...differing].map(
    ([name, diffs]) =>
      `${name} (${diffs.map((d) => (d.property === 'role' ? (d.restored === 'missing' ? 'missing' : 'extra') : d.property)).join(', ')})`,
  );
  results.push(
    fail(
      'roles',
      'roles',
      bound,
      expected.length,
      expected.length - [...differing.keys()].filter((n) => wanted.has(n)).length,
      `${differing.size} role(s) differ from the backup: ${summary.join('; ')}${note}`,
      durationMs,
    ),
  );
  for (const [name, diffs] of differing) {
    const backup = Object.fromEntries(diffs.map((d) => [d.property, d.backup]));
    const restored = Object.fromEntries(diffs.map((d) => [d.property, d.restored]));
    results.push(
      fail(
        'roles',
        `role:${name}`,
        bound,
        backup,
        restored,
        `role ${name}: ${diffs.map((d) => `${d.property}: backup ${d.backup}, restored ${d.restored}`).join('; ')}`,
        0,
      ),
    );
  }
  return results;
}

/** What differs between one role in the backup and the same-named role in the restore. */
export function roleDifferences(
  want: RoleExpectation,
  got: RoleExpectation,
  comparePasswords: boolean,
): RoleDifference[] {
  const diffs: RoleDifference[] = [];
  // Lists compare item by item (a setting's value may itself hold the separator); the rest by how they read.
  const differ = (
    property: RoleDifference['property'],
    backup: string,
    restored: string,
    same = backup === restored,
  ): void => {
    if (!same) diffs.push({ property, backup, restored });
  };
  differ('attributes', attributes(want), attributes(got));
  differ('connection limit', limit(want.connectionLimit), limit(got.connectionLimit));
  differ('valid until', want.validUntil ?? 'no expiry', got.validUntil ?? 'no expiry');
  if (comparePasswords && want.password && got.password)
    differ('password', password(want.password), password(got.password));
  // Options a major does not have (inherit and set before 16) are compared only when both sides have them.
  const optionsOf = (m: RoleMembership, other: readonly RoleMembership[]): RoleMembership => ({
    ...m,
    inherit: other.every((o) => o.inherit !== null) ? m.inherit : null,
    set: other.every((o) => o.set !== null) ? m.set : null,
  });
  const wantMembers = want.memberOf.map((m) => optionsOf(m, got.memberOf));
  const gotMembers = got.memberOf.map((m) => optionsOf(m, want.memberOf));
  differ(
    'memberships',
    memberships(wantMembers),
    memberships(gotMembers),
    sameItems(
      wantMembers.map((m) => JSON.stringify(m)),
      gotMembers.map((m) => JSON.stringify(m)),
    ),
  );
  differ('settings', list(want.settings), list(got.settings), sameItems(want.settings, got.settings));
  // Expectations stored before comments were captured have none to compare.
  if (want.comment !== undefined && got.comment !== undefined)
    differ(
      'comment',
      want.comment === null ? 'none' : JSON.stringify(want.comment),
      got.comment === null ? 'none' : JSON.stringify(got.comment),
    );
  return diffs;
}

function attributes(role: RoleExpectation): string {
  return role.attributes.length ? role.attributes.join(' ') : 'none (NOLOGIN, INHERIT)';
}

function limit(n: number): string {
  return n === -1 ? 'unlimited' : String(n);
}

function password(p: RolePassword): string {
  return p.kind === 'none' ? 'none' : `${p.kind} (verifier SHA-256 ${p.sha256?.slice(0, 12)}…)`;
}

/** "reader (admin, inherit, set), writer (no inherit, no set)": sorted, options named when the major has them. */
export function memberships(ms: readonly RoleMembership[]): string {
  const one = (m: RoleMembership): string => {
    const opts = [
      m.admin ? 'admin' : null,
      m.inherit === null ? null : m.inherit ? 'inherit' : 'no inherit',
      m.set === null ? null : m.set ? 'set' : 'no set',
    ].filter(Boolean);
    return opts.length ? `${m.role} (${opts.join(', ')})` : m.role;
  };
  return list([...new Set(ms.map(one))]);
}

function list(items: readonly string[]): string {
  return items.length ? [...items].sort().join('; ') : 'none';
}

function sameItems(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function describeRole(role: RoleExpectation): string {
  return [attributes(role), role.memberOf.length ? `member of ${memberships(role.memberOf)}` : '']
    .filter(Boolean)
    .join('; ');
}
