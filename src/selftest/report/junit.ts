// junit.xml: one suite per method, one case for its clean drill and one per fault, so CI shows what slipped through.
import junitReportBuilder from 'junit-report-builder';
import type { Builder, TestCase } from 'junit-report-builder';
import type { SelftestResult } from '../result.ts';
import { outcomeText } from './matrix.ts';

// The package's CommonJS entry is the builder itself, which is what an ESM default import receives; accept either shape.
const rootBuilder: Builder =
  'newBuilder' in junitReportBuilder ? (junitReportBuilder as unknown as Builder) : junitReportBuilder.default;

// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const clean = (text: string): string => text.replace(XML_INVALID, '\uFFFD').replaceAll(']]>', ']] >');

/** Render the result as JUnit XML: a fault not caught by its intended check is a failure, one that could not be judged an error. */
export function renderSelftestJunit(result: SelftestResult): string {
  const builder = rootBuilder
    .newBuilder()
    .name(`recoverable selftest (${result.environment.kind} PostgreSQL ${result.environment.version})`);
  for (const method of result.methods) {
    const suite = builder.testSuite().name(`selftest ${method.method}`).timestamp(result.startedAt);
    suite.property('runId', result.runId);
    suite.property('environment', `${result.environment.kind} ${result.environment.version}`);
    if (result.weakened.length) suite.property('weakened', result.weakened.join(', '));
    const cleanCase = suite
      .testCase()
      .className(`selftest.${method.method}`)
      .name('clean drill passes')
      .time(method.clean.durationMs / 1000);
    if (method.clean.verdict === 'passed') cleanCase.standardOutput(clean(method.clean.summary));
    else
      mark(
        cleanCase,
        method.clean.verdict === 'failed' ? 'failure' : 'error',
        `the clean drill ${method.clean.verdict}: ${method.clean.summary}`,
        method.clean.verdict,
      );
    for (const fault of method.faults) {
      const testCase = suite
        .testCase()
        .className(`selftest.${method.method}`)
        .name(`${fault.id} caught by ${fault.expectedCheck}`)
        .time(fault.durationMs / 1000);
      const details = [
        `injected: ${fault.injected ?? fault.injects}`,
        `expected check: ${fault.expectedCheck}`,
        `outcome: ${outcomeText(fault.outcome)}`,
        `failed checks: ${fault.failedChecks.map((c) => c.id).join(', ') || 'none'}`,
        fault.message,
      ].join('\n');
      if (fault.outcome === 'caught') testCase.standardOutput(clean(details));
      else
        mark(
          testCase,
          fault.outcome === 'errored' || fault.outcome === 'not-run' ? 'error' : 'failure',
          `${fault.id}: ${fault.message}`,
          fault.outcome,
          details,
        );
    }
  }
  return builder.build();
}

function mark(testCase: TestCase, how: 'failure' | 'error', message: string, type: string, details = ''): void {
  if (how === 'failure') testCase.failure(clean(message), type).stacktrace(clean(details));
  else testCase.error(clean(message), type, clean(details));
}
