// Pure judgement: which check caught a fault, whether the self-test passed, and the exit code it maps to.
import type { CheckResult, Verdict } from '../run/result.ts';
import type { CheckSighting, FaultOutcome, FaultOutcomeKind, MethodRun } from './result.ts';

/** The part of a fault's outcome that the checks decide. */
export interface Judgement {
  outcome: FaultOutcomeKind;
  intended?: CheckSighting;
  failedChecks: CheckSighting[];
  message: string;
}

/** Whether check `id` is the one `expected` names: the same id, or under a prefix ending in ':'. */
export function matchesCheck(expected: string, id: string): boolean {
  return expected.endsWith(':') ? id.startsWith(expected) : id === expected;
}

const sighting = (check: CheckResult): CheckSighting => ({
  id: check.id,
  status: check.status,
  message: check.message,
});

/** Judge one fault's drill from its checks: caught by the intended check for the right reason, for another, by others only, by none. */
export function judgeChecks(expected: string, reason: RegExp, checks: readonly CheckResult[]): Judgement {
  const matching = checks.filter((c) => matchesCheck(expected, c.id));
  const hits = matching.filter((c) => c.status === 'failed');
  const hit = hits.find((c) => reason.test(c.message)) ?? hits[0];
  const intendedCheck = hit ?? matching.find((c) => c.status === 'errored') ?? matching[0];
  const intended = intendedCheck ? { intended: sighting(intendedCheck) } : {};
  const failed = checks.filter((c) => c.status === 'failed');
  const failedChecks = [...(hit ? [hit] : []), ...failed.filter((c) => c !== hit)].map(sighting);
  if (hit && reason.test(hit.message))
    return { outcome: 'caught', ...intended, failedChecks, message: `caught by ${hit.id}: ${hit.message}` };
  if (hit)
    return {
      outcome: 'wrong-reason',
      ...intended,
      failedChecks,
      message: `${hit.id} failed, but not for this fault (its message does not match ${reason}): ${hit.message}`,
    };
  const intendedSays = intendedCheck
    ? `${intendedCheck.id} ${intendedCheck.status}: ${intendedCheck.message}`
    : `${expected} did not run`;
  if (failed.length) {
    return {
      outcome: 'caught-elsewhere',
      ...intended,
      failedChecks,
      message: `not caught by ${expected} (${intendedSays}); only by ${failed.map((c) => c.id).join(', ')}`,
    };
  }
  const errored = checks.find((c) => c.status === 'errored');
  if (errored)
    return {
      outcome: 'errored',
      ...intended,
      failedChecks,
      message: `no check failed and the drill could not finish: ${errored.id}: ${errored.message}`,
    };
  return {
    outcome: 'missed',
    ...intended,
    failedChecks,
    message: `slipped through: no check failed (${intendedSays})`,
  };
}

/** The self-test's verdict: passed only when every clean drill passed and every fault was caught by its intended check. */
export function decideSelftest(methods: readonly MethodRun[]): { verdict: Verdict; summary: string } {
  const faults = methods.flatMap((m) => m.faults);
  const cleanProblems = methods
    .filter((m) => m.clean.verdict !== 'passed')
    .map((m) => `the clean ${m.method} drill ${m.clean.verdict}: ${m.clean.summary}`);
  const caught = faults.filter((f) => f.outcome === 'caught').length;
  const head = `${caught} of ${faults.length} faults caught by their intended check (${methods.map((m) => m.method).join(', ')})`;
  const problems = [...cleanProblems, ...faults.filter((f) => f.outcome !== 'caught').map(describeProblem)];
  if (methods.length === 0) return { verdict: 'errored', summary: 'no method was run' };
  if (problems.length === 0) return { verdict: 'passed', summary: `${head}; every clean drill passed` };
  // A wrong answer (a clean drill failed, a fault missed or caught by the wrong check) fails; only not being able to judge errors.
  const wrong =
    methods.some((m) => m.clean.verdict === 'failed') ||
    faults.some((f) => f.outcome === 'missed' || f.outcome === 'caught-elsewhere' || f.outcome === 'wrong-reason');
  return {
    verdict: wrong ? 'failed' : 'errored',
    summary: `${head}; ${problems.length} problem(s): ${problems.join('; ')}`,
  };
}

function describeProblem(fault: FaultOutcome): string {
  const name = `${fault.id} (${fault.method})`;
  switch (fault.outcome) {
    case 'missed':
      return `${name} slipped through: ${fault.expectedCheck} did not catch it and nothing else did`;
    case 'caught-elsewhere':
      return `${name} was not caught by ${fault.expectedCheck}, only by ${fault.failedChecks.map((c) => c.id).join(', ')}`;
    case 'wrong-reason':
      return `${name}: ${fault.expectedCheck} failed for another reason, so the fault itself went unseen`;
    case 'errored':
      return `${name} could not be judged: ${fault.message}`;
    case 'not-run':
      return `${name} did not run: ${fault.message}`;
    case 'caught':
      return `${name} caught`;
  }
}
