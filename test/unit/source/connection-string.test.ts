// URLs and conninfo strings as libpq reads them: socket URLs, passwords kept out, malformed ones named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  databaseOf,
  parseConnection,
  serverOf,
  withDatabase,
  withoutPassword,
  type Keywords,
} from '../../../src/source/connection-string.ts';

const keywords = (text: string): Keywords => {
  const parsed = parseConnection(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.problem}`);
  return parsed.keywords;
};
const problem = (text: string): string => {
  const parsed = parseConnection(text);
  assert.ok(!parsed.ok, `${text} should be refused`);
  return parsed.problem;
};

test('a socket URL (empty host, host= parameter) parses: its socket directory is the server, its path the database', () => {
  const k = keywords('postgresql://user@/db?host=/var/run/postgresql');
  assert.deepEqual(k, { user: 'user', dbname: 'db', host: '/var/run/postgresql' });
  assert.equal(serverOf(k), '/var/run/postgresql:5432');
  assert.equal(databaseOf(k), 'db');
  assert.equal(serverOf(keywords('postgresql:///app?host=%2Ftmp%2Fpg&port=5433')), '/tmp/pg:5433');
  assert.equal(
    serverOf(keywords('postgresql://%2Fvar%2Frun%2Fpostgresql/app')),
    '/var/run/postgresql:5432',
    'a percent-encoded socket directory as the host',
  );
});

test('the server of a URL and of a conninfo naming the same place are the same; the password is never part of it', () => {
  const url = keywords('postgres://app:s3cret@DB.example.com:5433/shop?sslmode=require');
  const conninfo = keywords("host=db.example.com port=5433 dbname=shop user=app password='s3cret'");
  assert.equal(serverOf(url), 'db.example.com:5433');
  assert.equal(serverOf(conninfo), serverOf(url));
  assert.equal(databaseOf(url), databaseOf(conninfo));
  assert.equal(serverOf(keywords('postgres://[::1]:5432/x')), '::1:5432');
  assert.equal(databaseOf(keywords('postgres://app@db/')), 'app', 'no database: libpq uses the user name');
});

test('withoutPassword and withDatabase keep everything else as written, socket URLs included', () => {
  assert.equal(
    withoutPassword('postgresql://user:p%40ss@/db?host=/var/run/postgresql&port=5433'),
    'postgresql://user@/db?host=/var/run/postgresql&port=5433',
  );
  assert.equal(
    withDatabase('postgresql://user@/db?host=/var/run/postgresql', 'other db'),
    'postgresql://user@/other%20db?host=/var/run/postgresql',
  );
  assert.equal(withoutPassword('postgres://u@h/db?password=x&sslmode=disable'), 'postgres://u@h/db?sslmode=disable');
  assert.equal(
    withDatabase('postgres://u@h:5/db?dbname=x&application_name=a', 'app'),
    'postgres://u@h:5/app?application_name=a',
  );
  assert.equal(withDatabase('postgres://u@h', 'app'), 'postgres://u@h/app');
  assert.equal(withoutPassword("host=/tmp port=5432 password='a b\\'c' user=x"), "host='/tmp' port='5432' user='x'");
  assert.equal(withDatabase("host=db dbname=old user=o'k", "it's"), "host='db' user='o\\'k' dbname='it\\'s'");
  for (const rewritten of [
    withoutPassword('postgresql://user:pw@/db?host=/s'),
    withDatabase(withoutPassword('postgresql://user:pw@/db?host=/s'), 'x'),
  ]) {
    assert.doesNotMatch(rewritten, /pw/);
    assert.ok(parseConnection(rewritten).ok, rewritten);
  }
});

test('a malformed URL or conninfo is refused naming what is wrong, without repeating the password', () => {
  assert.match(problem('postgresql://u:hunter2@db:abc/app'), /the port "abc" is not a number from 1 to 65535/);
  assert.match(problem('postgresql://u@db:99999/app'), /the port "99999"/);
  assert.match(problem('postgresql://u@db:/app'), /":" after the host but no port/);
  assert.match(problem('postgresql://u:%zz@db/app'), /malformed percent-encoding/);
  assert.match(problem('postgresql://h1:5432,h2:5433/db'), /several hosts/);
  assert.match(problem('postgresql://u@db/app?sslmode'), /"sslmode" has no "="/);
  assert.match(problem('postgresql://u@db host/app'), /is not a host name, an address or a socket directory/);
  assert.match(problem("host=db password='unterminated"), /value of password has no closing quote/);
  assert.match(problem('host=db justaword'), /"justaword" has no "=" after it/);
  assert.match(problem(''), /empty/);
  for (const text of ['postgresql://u:hunter2@db:abc/app', 'host=db port=x password=hunter2'])
    assert.doesNotMatch(problem(text), /hunter2/);
});
