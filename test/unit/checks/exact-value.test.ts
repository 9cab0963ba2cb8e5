// Exact decimals and typed comparison of SQL assertion values, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameDecimal, parseDecimal, displayExpected } from '../../../src/checks/exact-value.ts';
import { compareValue } from '../../../src/checks/sql-check.ts';

test('decimals compare by value, digit for digit', () => {
  assert.ok(sameDecimal('1.0', '1'));
  assert.ok(sameDecimal('1e2', '100'));
  assert.ok(sameDecimal('-0', '0'));
  assert.ok(sameDecimal('0.10', '.1'));
  assert.ok(!sameDecimal('9007199254740993', '9007199254740992'));
  assert.ok(!sameDecimal('100.000000000000000001', '100'));
  assert.ok(!sameDecimal('-1', '1'));
  assert.ok(sameDecimal('NaN', 'nan'));
  assert.ok(sameDecimal('Infinity', 'inf'));
  assert.ok(!sameDecimal('-Infinity', 'Infinity'));
  assert.equal(parseDecimal('abc'), null);
  assert.equal(parseDecimal('.'), null);
});

const INT8 = 20;
const NUMERIC = 1700;
const TEXT = 25;
const BOOL = 16;
const value = (text: string | null, typeOid: number, rows = 1) => ({ text, typeOid, rows });

test('numbers are compared exactly and only with numeric types', () => {
  assert.equal(compareValue({ decimal: '9007199254740993' }, value('9007199254740993', INT8)), null);
  assert.match(
    compareValue({ decimal: '9007199254740993' }, value('9007199254740992', INT8)) ?? '',
    /got bigint 9007199254740992, expected 9007199254740993/,
  );
  assert.match(compareValue(100, value('100.000000000000000001', NUMERIC)) ?? '', /expected 100$/);
  assert.equal(compareValue(1, value('1.00', NUMERIC)), null);
  assert.match(compareValue(5, value('5', TEXT)) ?? '', /expected the number 5/);
  assert.match(compareValue(0, value(null, INT8)) ?? '', /got NULL/);
});

test('text, booleans and NULL keep their types', () => {
  assert.equal(compareValue('on', value('on', TEXT)), null);
  assert.match(compareValue('5', value('5.0', NUMERIC)) ?? '', /expected the text "5"/);
  assert.equal(compareValue(true, value('t', BOOL)), null);
  assert.match(compareValue(true, value('f', BOOL)) ?? '', /expected true/);
  assert.match(compareValue(true, value('t', TEXT)) ?? '', /expected the boolean true/);
  assert.equal(compareValue(null, value(null, TEXT)), null);
  assert.equal(compareValue(null, value(null, 0, 0)), null);
  assert.match(compareValue(null, value('', TEXT)) ?? '', /expected NULL/);
});

test('reports show a kept decimal as its text', () => {
  assert.equal(displayExpected({ decimal: '100.000000000000000001' }), '100.000000000000000001');
  assert.equal(displayExpected(3), 3);
});
