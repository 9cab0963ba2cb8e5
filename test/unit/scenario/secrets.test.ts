import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../../src/scenario/secrets.ts';

test('masks the password of a postgres URL', () => {
  assert.equal(redactUrl('postgres://alice:s3cret@db.example.com:5432/app'), 'postgres://alice:***@db.example.com:5432/app');
  assert.equal(redactUrl('postgresql://alice:p@ss@db/app?sslmode=require'), 'postgresql://alice:***@db/app?sslmode=require');
});

test('masks password parameters in a URL query', () => {
  assert.equal(redactUrl('postgres://db/app?user=alice&password=s3cret&sslmode=require'), 'postgres://db/app?user=alice&password=***&sslmode=require');
});

test('masks password and sslpassword in a conninfo, quoted or not', () => {
  assert.equal(redactUrl('host=db password=s3cret dbname=app'), 'host=db password=*** dbname=app');
  assert.equal(redactUrl("host=db password = 'it\\'s secret' user=alice"), 'host=db password = *** user=alice');
  assert.equal(redactUrl('sslpassword=key host=db'), 'sslpassword=*** host=db');
});

test('leaves strings without a password alone', () => {
  for (const url of ['postgres://alice@db/app', 'postgres://db/app', 'host=db user=alice', 'postgres://alice:@db/app']) {
    assert.equal(redactUrl(url), url);
  }
});
