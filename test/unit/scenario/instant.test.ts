// Times to the microsecond: what Date would round to milliseconds stays apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from '../../../src/scenario/instant.ts';

const micros = (text: string): bigint => {
  const parsed = parseInstant(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.problem}`);
  return parsed.micros;
};

test('every microsecond is kept: two times 1 µs apart inside one millisecond differ, where Date sees one', () => {
  const a = micros('2025-03-01T10:00:00.123401Z');
  const b = micros('2025-03-01T10:00:00.123402Z');
  assert.equal(b - a, 1n);
  assert.equal(
    Date.parse('2025-03-01T10:00:00.123401Z'),
    Date.parse('2025-03-01T10:00:00.123402Z'),
    'Date cannot tell them apart',
  );
  assert.equal(
    micros('2025-03-01T10:00:00.5Z') - micros('2025-03-01T10:00:00Z'),
    500_000n,
    'a short fraction is tenths, not microseconds',
  );
});

test('ISO 8601 and PostgreSQL forms of one instant are equal, whatever the offset', () => {
  const utc = micros('2024-05-01T12:00:00.000250Z');
  assert.equal(micros('2024-05-01 12:00:00.00025+00'), utc, "PostgreSQL's own to_char output");
  assert.equal(micros('2024-05-01T14:00:00.000250+02:00'), utc);
  assert.equal(micros('2024-05-01T14:00:00.000250+0200'), utc);
  assert.equal(micros('2024-05-01T07:30:00.000250-04:30'), utc);
  assert.equal(micros('2024-05-01T12:00Z'), micros('2024-05-01T12:00:00Z'), 'seconds may be left out');
  assert.equal(micros('1970-01-01T00:00:00Z'), 0n);
  assert.equal(micros('1969-12-31T23:59:59.999999Z'), -1n);
  assert.equal(micros('2000-02-29T00:00:00Z'), 951_782_400_000_000n, 'a leap day of a century divisible by 400');
});

test('what is not a time is refused with a reason, never rounded or guessed', () => {
  const problem = (text: string): string => {
    const parsed = parseInstant(text);
    assert.ok(!parsed.ok, `${text} should be refused`);
    return parsed.problem;
  };
  assert.match(problem('2024-05-01T12:00:00.1234567Z'), /7 fractional digits: PostgreSQL keeps microseconds/);
  assert.match(problem('2024-05-01T12:00:00'), /not an ISO 8601 time with a UTC offset/);
  assert.match(problem('2023-02-29T00:00:00Z'), /not a calendar date/);
  assert.match(problem('1900-02-29T00:00:00Z'), /not a calendar date/);
  assert.match(problem('2024-04-31T00:00:00Z'), /not a calendar date/);
  assert.match(problem('2024-05-01T24:00:00Z'), /not a time of day/);
  assert.match(problem('2024-05-01T12:00:00+16:00'), /impossible UTC offset/);
});
