// One redaction for every place a secret could leak: hostile passwords in URLs, conninfo, config lines, env and JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactDeep, redactSecrets } from '../../../src/core/redact.ts';

// Passwords an attacker or an unlucky generator picks: separators of every syntax they may appear in.
const HOSTILE = [
  'p@ss',
  'a:b:c',
  's/la/sh',
  '100%',
  'with space',
  "it's",
  'dq"uote',
  'bäckslash\\\\x',
  'ünïcødé€',
  'amp&er=sand',
  `${'L'.repeat(1023)}@`,
];

const leaks = (text: string, secret: string): boolean => redactSecrets(text).includes(secret);

test('a URL userinfo password is masked whatever it holds, up to the host', () => {
  assert.equal(
    redactSecrets('postgres://alice:s3cret@db.example.com:5432/app'),
    'postgres://alice:***@db.example.com:5432/app',
  );
  assert.equal(redactSecrets('postgresql://alice:p@ss@db/app'), 'postgresql://alice:***@db/app');
  assert.equal(
    redactSecrets('postgresql://alice:p@ss@db/app?sslmode=require'),
    'postgresql://alice:***@db/app?sslmode=require',
  );
  for (const password of HOSTILE) {
    assert.ok(!leaks(`cannot connect to postgresql://alice:${password}@db/app: refused`, password), password);
    assert.ok(
      !leaks(
        `cannot connect to postgresql://alice:${encodeURIComponent(password)}@db/app`,
        encodeURIComponent(password),
      ),
      `encoded ${password}`,
    );
  }
});

test('password and sslpassword in a conninfo, a URL query and a config line are masked, quoted or not', () => {
  assert.equal(redactSecrets('host=db password=s3cret dbname=app'), 'host=db password=*** dbname=app');
  assert.equal(redactSecrets("host=db password = 'it\\'s secret' user=alice"), 'host=db password = *** user=alice');
  assert.equal(redactSecrets('sslpassword=key host=db'), 'sslpassword=*** host=db');
  assert.equal(
    redactSecrets('postgres://db/app?user=alice&password=s3cret&sslmode=require'),
    'postgres://db/app?user=alice&password=***&sslmode=require',
  );
  assert.equal(
    redactSecrets("primary_conninfo = 'host=a password=''s3 cret'' port=5'"),
    "primary_conninfo = 'host=a password=*** port=5'",
  );
  for (const password of HOSTILE) {
    const quoted = `'${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    assert.ok(!leaks(`host=db password=${quoted} user=alice`, password), password);
    assert.ok(!leaks(`host=db sslpassword=${quoted}`, password), `ssl ${password}`);
    assert.ok(
      !leaks(`postgres://db/app?password=${encodeURIComponent(password)}&x=1`, encodeURIComponent(password)),
      `query ${password}`,
    );
  }
});

test('PGPASSWORD in an environment dump and "password" in JSON are masked', () => {
  assert.equal(redactSecrets('PGPASSWORD=s3cret PGHOST=db'), 'PGPASSWORD=*** PGHOST=db');
  assert.equal(
    redactSecrets('{"user":"alice","password":"s\\"3cret","host":"db"}'),
    '{"user":"alice","password":"***","host":"db"}',
  );
  for (const password of HOSTILE.filter((p) => !/\s/.test(p)))
    assert.ok(!leaks(`env: PGPASSWORD=${password} LANG=C`, password), password);
});

test('text without a password is left alone, host:port included', () => {
  for (const text of [
    'postgres://alice@db/app',
    'postgres://db/app',
    'postgres://db:5432/app',
    'host=db user=alice',
    'postgres://alice:@db/app',
    'a password is needed (set PGPASSWORD)',
  ]) {
    assert.equal(redactSecrets(text), text);
  }
});

test('a run result is redacted string by string, its shape kept', () => {
  const result = {
    summary: 'cannot connect to postgresql://alice:p@ss@db/app',
    checks: [{ id: 'x', message: "password='it\\'s'", durationMs: 3 }],
    ok: true,
  };
  assert.deepEqual(redactDeep(result), {
    summary: 'cannot connect to postgresql://alice:***@db/app',
    checks: [{ id: 'x', message: 'password=***', durationMs: 3 }],
    ok: true,
  });
});

test('PGPASSWORD in a shell line is masked to its closing quote, and an environment as JSON hides its PGPASSWORD', () => {
  assert.equal(redactSecrets("PGPASSWORD='with space' psql -h db"), 'PGPASSWORD=*** psql -h db');
  assert.equal(redactSecrets('export PGPASSWORD="a b c" && pg_dump'), 'export PGPASSWORD=*** && pg_dump');
  assert.equal(
    redactSecrets('{"PGHOST":"db","PGPASSWORD":"s3cret","PGUSER":"alice"}'),
    '{"PGHOST":"db","PGPASSWORD":"***","PGUSER":"alice"}',
  );
  for (const password of HOSTILE) {
    const single = `'${password.replace(/'/g, "'\\''")}'`;
    assert.ok(!leaks(`PGPASSWORD=${single} pg_restore -d app`, password), `single-quoted ${password}`);
    assert.ok(
      !leaks(`{"env":{"PGPASSWORD":${JSON.stringify(password)}}}`, JSON.stringify(password).slice(1, -1)),
      `JSON ${password}`,
    );
  }
});

test('every spelling a DBA writes: any letter case of the scheme and key, spaces around =, a URL inside a conninfo value', () => {
  assert.equal(redactSecrets('POSTGRESQL://alice:s3cret@db/app'), 'POSTGRESQL://alice:***@db/app');
  assert.equal(redactSecrets('Host=db Password = s3cret'), 'Host=db Password = ***');
  assert.equal(
    redactSecrets("primary_conninfo = 'postgres://rep:s3cret@10.0.0.1/x'"),
    "primary_conninfo = 'postgres://rep:***@10.0.0.1/x'",
  );
  assert.equal(
    redactSecrets('from postgres://a:one@h1/x to postgresql://b:two@h2/y'),
    'from postgres://a:***@h1/x to postgresql://b:***@h2/y',
    'two URLs on a line, each masked to its own host',
  );
  assert.equal(
    redactSecrets('password= host=db'),
    'password= ***',
    'libpq skips the space and reads host=db as the password',
  );
  assert.equal(
    redactSecrets('line one\npostgres://alice:s3cret@db/app\nline three'),
    'line one\npostgres://alice:***@db/app\nline three',
  );
});

test('a masked value does not swallow what follows it: the next keyword, the next query parameter, the closing quote', () => {
  assert.equal(
    redactSecrets("host=db password='a b' dbname=app user=alice"),
    'host=db password=*** dbname=app user=alice',
  );
  assert.equal(
    redactSecrets('postgres://db/app?password=x%26y&application_name=nightly'),
    'postgres://db/app?password=***&application_name=nightly',
  );
  assert.equal(redactSecrets(`{"password":"x","user":"alice"}`), '{"password":"***","user":"alice"}');
});
