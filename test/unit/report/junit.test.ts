import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJunit } from '../../../src/report/junit.ts';
import { allChecks, summarize } from '../../../src/run/verdict.ts';
import { countStatus, failingResult, HOSTILE_MESSAGE, passingResult } from './sample-result.ts';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

// A small XML reader for the subset junit-report-builder emits; it also checks that tags nest properly.
function readXml(xml: string): XmlElement {
  const token = /<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([\w:-]+)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let consumed = 0;
  for (const match of xml.matchAll(token)) {
    assert.equal(match.index, consumed, `unparsed XML at offset ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
    consumed += match[0].length;
    const [, cdata, closing, name, attributeText, selfClosing, text] = match;
    const current = stack.at(-1);
    assert.ok(current);
    if (cdata !== undefined) current.text += cdata;
    else if (text !== undefined) current.text += decode(text);
    else if (name === undefined) continue;
    else if (closing) {
      assert.equal(stack.pop()?.name, name, `mismatched closing tag </${name}>`);
    } else {
      const element: XmlElement = { name, attributes: readAttributes(attributeText ?? ''), children: [], text: '' };
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  assert.equal(consumed, xml.length);
  assert.equal(stack.length, 1, 'unclosed elements');
  const [document] = root.children;
  assert.ok(document);
  return document;
}

function readAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
    if (key !== undefined && value !== undefined) attributes[key] = decode(value);
  }
  return attributes;
}

function decode(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

function testCases(document: XmlElement): { suite: XmlElement; testCase: XmlElement }[] {
  return document.children
    .filter((suite) => suite.name === 'testsuite')
    .flatMap((suite) => suite.children.filter((c) => c.name === 'testcase').map((testCase) => ({ suite, testCase })));
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

test('renderJunit has one test case per check and per objective', () => {
  const result = failingResult();
  const document = readXml(renderJunit(result));
  const expected = allChecks(result).length + result.objectives.length;
  assert.equal(document.name, 'testsuites');
  assert.equal(testCases(document).length, expected);
  assert.equal(document.attributes.tests, String(expected));
});

test('renderJunit counts failures, errors and skips as the result does', () => {
  const result = failingResult();
  const document = readXml(renderJunit(result));
  const cases = testCases(document).map((c) => c.testCase);
  assert.equal(cases.filter((c) => child(c, 'failure')).length, countStatus(result, 'failed'));
  assert.equal(cases.filter((c) => child(c, 'error')).length, countStatus(result, 'errored'));
  assert.equal(cases.filter((c) => child(c, 'skipped')).length, countStatus(result, 'skipped'));
  assert.equal(document.attributes.failures, String(countStatus(result, 'failed')));
  assert.equal(document.attributes.errors, String(countStatus(result, 'errored')));
});

test('renderJunit names suites per restore plus run and objectives', () => {
  const document = readXml(renderJunit(failingResult()));
  assert.deepEqual(
    document.children.map((s) => s.attributes.name),
    ['run', 'quickstart / immediate (local 15)', 'quickstart / latest (docker 17)', 'objectives'],
  );
});

test('renderJunit puts the check message on the failure and expected/actual in its body', () => {
  const document = readXml(renderJunit(failingResult()));
  const found = testCases(document).find((c) => c.testCase.attributes.name === 'fingerprint:shop.orders');
  assert.ok(found);
  assert.equal(found.testCase.attributes.classname, 'quickstart.fingerprints');
  assert.equal(found.testCase.attributes.time, '1.5');
  const failure = child(found.testCase, 'failure');
  assert.ok(failure);
  assert.equal(failure.attributes.message, HOSTILE_MESSAGE);
  assert.match(failure.text, /expected: x{300}/);
  assert.match(failure.text, /actual: a\|b\]\] >c/);
});

test('renderJunit reports a failed objective with measured and objective values', () => {
  const document = readXml(renderJunit(failingResult()));
  const rto = testCases(document).find(
    (c) => c.suite.attributes.name === 'objectives' && c.testCase.attributes.name === 'rto',
  );
  assert.ok(rto);
  const failure = child(rto.testCase, 'failure');
  assert.ok(failure);
  assert.equal(failure.attributes.message, 'RTO 12.1 s exceeds 5 s');
  assert.match(failure.text, /objective: 5000 ms\nmeasured: 12100 ms/);
});

test('renderJunit of a passing run has no failures or errors', () => {
  const result = passingResult();
  const document = readXml(renderJunit(result));
  assert.equal(document.attributes.failures, '0');
  assert.equal(document.attributes.errors, '0');
  assert.equal(testCases(document).length, allChecks(result).length + result.objectives.length);
});

test('renderJunit turns a harness error into an errored case so the run is not green', () => {
  const result = {
    ...passingResult(),
    error: { code: 'env-unavailable', message: 'docker is not running', hint: 'start docker' },
  };
  const document = readXml(renderJunit(result));
  const runError = testCases(document).find((c) => c.testCase.attributes.name === 'run-error');
  assert.ok(runError);
  assert.equal(child(runError.testCase, 'error')?.attributes.message, 'docker is not running');
  assert.equal(document.attributes.errors, '1');
});

test('renderJunit reports a run with no checks as errored', () => {
  const result = passingResult({ checks: [], restores: [], objectives: [] });
  const document = readXml(renderJunit(result));
  assert.equal(document.attributes.errors, '1');
  assert.equal(testCases(document)[0]?.testCase.attributes.name, 'no-checks');
});

test('renderJunit keeps XML well formed when messages hold control characters', () => {
  const result = passingResult();
  const first = result.checks[0];
  assert.ok(first);
  first.status = 'failed';
  first.message = 'bad byte \u0001 here';
  const document = readXml(renderJunit(result));
  const failure = child(testCases(document)[0]?.testCase ?? document, 'failure');
  assert.equal(failure?.attributes.message, 'bad byte \uFFFD here');
});

test('renderJunit prefixes every class name with the scenario, so two scenarios merged never collide', () => {
  const names = (scenario: string) => {
    const result = failingResult();
    result.scenario.name = scenario;
    return testCases(readXml(renderJunit(result))).map(
      (c) => `${c.testCase.attributes.classname}/${c.testCase.attributes.name}`,
    );
  };
  const nightly = names('nightly');
  const weekly = names('weekly');
  assert.ok(
    nightly.every((n) => n.startsWith('nightly.')),
    nightly.join(', '),
  );
  assert.deepEqual(
    nightly.filter((n) => weekly.includes(n)),
    [],
  );
  assert.ok(nightly.includes('nightly.objective/rto'));
});

test("renderJunit gives the root the run's wall-clock time", () => {
  const document = readXml(renderJunit(failingResult()));
  assert.equal(document.attributes.time, '184');
});

test('renderJunit counts a run error once when a run-level check records it, as the summary does', () => {
  const partial = passingResult({
    checks: [
      { id: 'environment', kind: 'environment', status: 'errored', message: 'docker is not running', durationMs: 0 },
    ],
    restores: [],
    error: { code: 'env-unavailable', message: 'docker is not running' },
  });
  const result = { ...partial, summary: summarize(partial) };
  const document = readXml(renderJunit(result));
  assert.equal(document.attributes.errors, String(countStatus(result, 'errored')));
  assert.match(result.summary, new RegExp(`, ${document.attributes.errors} errored`));
  const failedBackup = passingResult({
    checks: [{ id: 'backup', kind: 'backup', status: 'failed', message: 'pg_dump exited 1', durationMs: 0 }],
    restores: [],
    error: { code: 'tool-failed', message: 'pg_dump exited 1' },
  });
  const backupDocument = readXml(renderJunit(failedBackup));
  assert.equal(backupDocument.attributes.failures, '1');
  assert.equal(backupDocument.attributes.errors, '0');
});
