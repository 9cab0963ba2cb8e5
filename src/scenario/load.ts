// Read a scenario file: YAML → ${VAR} substitution → schema → rules → referenced files, all issues at once.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { parseDecimal, sameDecimal } from '../checks/exact-value.ts';
import type * as z from 'zod';
import { ScenarioError, type ScenarioIssue } from '../core/errors.ts';
import { normalizeScenario } from './normalize.ts';
import { checkRules, passwordNotInFile } from './rules.ts';
import { allowedKeys, closest, scenarioSchema, type RawScenario } from './schema.ts';
import { defaultManagedMajor } from './managed-major.ts';
import { installedServerMajors } from '../env/binaries.ts';
import type { Scenario } from './types.ts';

/** Where relative paths resolve and where `${VAR}` values come from. */
export interface LoadScenarioOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** `drill --environment`: replaces `restore.environment` (and so where a managed source runs). */
  environment?: 'local' | 'docker';
  /** Majors installed here with a server, for a managed source without `version` (default: discovered). */
  installedServerMajors?: () => number[];
}

type Path = readonly PropertyKey[];
type ZodIssue = z.core.$ZodIssue;

const FILE = '<file>';
const ROOT = '<root>';
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEE_STARTER = 'compare with the commented starter from `recoverable init`';

/**
 * Loads, validates and normalizes a scenario. Every problem found is collected and thrown
 * together as one {@link ScenarioError} whose message has one `<file>: <path>: <problem> (fix: <fix>)` line each.
 */
export async function loadScenario(file: string, opts: LoadScenarioOptions = {}): Promise<Scenario> {
  // Relative paths (the file, repository, fixtures, report.dir) resolve against opts.cwd, else the process's.
  const cwd = opts.cwd ?? process.cwd();
  const path = resolve(cwd, file);
  const bytes = await readScenario(file, path);
  const document = parseYaml(file, bytes.toString('utf8'));
  const issues: ScenarioIssue[] = [];
  const value = substitute(document, opts.env ?? process.env, [], issues);
  issues.push(...passwordNotInFile(writtenUrl(document)));
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success)
    throw scenarioError(file, [...issues, ...unshadowed(schemaIssues(parsed.error.issues, value), issues)]);
  const raw = withEnvironment(parsed.data, opts);
  issues.push(...checkRules(raw));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const scenario = normalizeScenario(raw, { path, sha256, cwd });
  issues.push(...(await missingFixtures(scenario, cwd)));
  if (issues.length > 0) throw scenarioError(file, issues);
  return scenario;
}

// The --environment override applied, and a managed source's unset version chosen for the environment it runs in.
function withEnvironment(raw: RawScenario, opts: LoadScenarioOptions): RawScenario {
  const environment = opts.environment ?? raw.restore.environment;
  const managed = raw.source.managed;
  if (!managed || managed.version !== undefined) return { ...raw, restore: { ...raw.restore, environment } };
  const installed =
    environment === 'local' ? (opts.installedServerMajors ?? (() => installedServerMajors(opts.env)))() : [];
  const version = defaultManagedMajor(environment, installed);
  return {
    ...raw,
    source: { ...raw.source, managed: { ...managed, version } },
    restore: { ...raw.restore, environment },
  };
}

// The file's bytes, or a ScenarioError saying why they cannot be read.
async function readScenario(file: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? `no such file: ${path}`
        : code === 'EISDIR'
          ? `${path} is a directory`
          : `cannot read ${path}: ${(error as Error).message}`;
    const fix =
      code === 'ENOENT' || code === 'EISDIR'
        ? 'check the path, or create a scenario with `recoverable init`'
        : 'check the file permissions';
    throw scenarioError(file, [{ path: FILE, problem, fix }], error);
  }
}

// An SQL assertion's `expect: 9007199254740993` would become ...992 as a JS number: keep such numbers as their decimal text.
function keepExactExpectations(document: Document): void {
  visit(document, {
    Pair(_, pair) {
      if (
        !isScalar(pair.key) ||
        pair.key.value !== 'expect' ||
        !isScalar(pair.value) ||
        typeof pair.value.value !== 'number'
      )
        return;
      const source = pair.value.srcToken && 'source' in pair.value.srcToken ? pair.value.srcToken.source : undefined;
      if (source === undefined || parseDecimal(source) === null || sameDecimal(source, String(pair.value.value)))
        return;
      pair.value.value = { decimal: source.trim() };
    },
  });
}

// Parse YAML; syntax errors become issues located by line:column.
function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text, {
    prettyErrors: true,
    schema: 'core',
    uniqueKeys: true,
    keepSourceTokens: true,
  });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw scenarioError(
      file,
      problems.map((error) => {
        const at = error.linePos?.[0];
        const problem = lowerFirst(error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, ''));
        return { path: at ? `${at.line}:${at.col}` : FILE, problem, fix: yamlFix(error.code) };
      }),
    );
  }
  keepExactExpectations(document);
  const value: unknown = document.toJS();
  if (value === null || value === undefined) {
    throw scenarioError(file, [
      { path: FILE, problem: 'the scenario is empty', fix: 'start from the commented starter: `recoverable init`' },
    ]);
  }
  return value;
}

// A hint for the YAML mistakes people make most.
function yamlFix(code: string): string {
  if (code === 'DUPLICATE_KEY') return 'keep one of the two keys';
  if (code === 'TAB_AS_INDENT') return 'indent with spaces, not tabs';
  return 'check indentation, quotes and brackets around this position';
}

// Replace `${VAR}` in every string value from `env`; `$${` stands for a literal `${`.
function substitute(value: unknown, env: NodeJS.ProcessEnv, path: Path, issues: ScenarioIssue[]): unknown {
  if (typeof value === 'string') return substituteText(value, env, formatPath(path), issues);
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, env, [...path, index], issues));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, env, [...path, key], issues)]),
    );
  }
  return value;
}

// One string's references; an unset variable is reported and its reference left in place.
function substituteText(text: string, env: NodeJS.ProcessEnv, path: string, issues: ScenarioIssue[]): string {
  return text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (name === undefined) return '${';
    if (!VARIABLE.test(name)) {
      issues.push({
        path,
        problem: `"${match}" is not a variable reference`,
        fix: 'write ${NAME} (letters, digits, _), or $${ for a literal ${',
      });
      return match;
    }
    const found = env[name];
    if (found !== undefined) return found;
    if (!issues.some((issue) => issue.path === path && issue.problem.includes(` ${name} `))) {
      issues.push({ path, problem: `environment variable ${name} is not set`, fix: `export ${name}=...` });
    }
    return match;
  });
}

// `source.url` as written in the file, before substitution.
function writtenUrl(document: unknown): unknown {
  const source = (document as { source?: unknown } | null)?.source;
  return typeof source === 'object' && source !== null ? (source as { url?: unknown }).url : undefined;
}

// Drop schema issues at or under a path that already has an environment issue: they are its echo.
function unshadowed(issues: ScenarioIssue[], earlier: ScenarioIssue[]): ScenarioIssue[] {
  const shadowing = earlier.map((issue) => issue.path);
  return issues.filter(
    (issue) =>
      !shadowing.some(
        (path) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`),
      ),
  );
}

// Every zod issue as one or more scenario issues.
function schemaIssues(issues: readonly ZodIssue[], input: unknown): ScenarioIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, input));
}

// One zod issue in the scenario's words: the YAML path, what is wrong, and how to fix it.
function describeIssue(issue: ZodIssue, input: unknown): ScenarioIssue[] {
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return [{ path, problem: 'required field is missing', fix: `add ${String(issue.path.at(-1) ?? 'it')}` }];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(issue.path, key, allowedKeys(issue.message) ?? []));
    case 'invalid_type':
      return [
        {
          path,
          problem: `expected ${typeName(issue.expected)}, got ${describe(value, issue.expected)}`,
          fix: typeFix(issue.expected),
        },
      ];
    case 'invalid_union': {
      const expected = [
        ...new Set(
          issue.errors.flatMap((branch) =>
            branch.flatMap((inner) => (inner.code === 'invalid_type' ? [typeName(inner.expected)] : [])),
          ),
        ),
      ];
      return [
        { path, problem: `expected ${orList(expected)}, got ${describe(value)}`, fix: `write a ${orList(expected)}` },
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      const near = typeof value === 'string' ? closest(value, options) : undefined;
      const problem = `expected one of ${options.join(', ')}, got ${JSON.stringify(value)}`;
      return [{ path, problem, fix: near ? `did you mean ${near}?` : `use one of ${options.join(', ')}` }];
    }
    case 'too_small':
      return [sizeIssue(path, issue.origin, 'at least', issue.minimum, value)];
    case 'too_big':
      return [sizeIssue(path, issue.origin, 'at most', issue.maximum, value)];
    case 'custom':
      return [{ path, problem: issue.message, fix: String(issue.params?.['fix'] ?? SEE_STARTER) }];
    default:
      return [{ path, problem: lowerFirst(issue.message), fix: SEE_STARTER }];
  }
}

// An unknown key, with the closest allowed key and the full list.
function unknownKey(parent: Path, key: string, allowed: string[]): ScenarioIssue {
  const near = closest(key, allowed);
  const here = `allowed here: ${allowed.join(', ')}`;
  return {
    path: formatPath([...parent, key]),
    problem: `unknown field "${key}"`,
    fix: near ? `rename it to ${near}; ${here}` : `remove it; ${here}`,
  };
}

// A bound broken by a number, a list or a text.
function sizeIssue(
  path: string,
  origin: string,
  bound: 'at least' | 'at most',
  limit: number | bigint,
  value: unknown,
): ScenarioIssue {
  if (origin === 'array')
    return {
      path,
      problem: bound === 'at least' ? 'the list is empty' : `the list has more than ${limit} items`,
      fix: 'list at least one item, or remove the key to use the default',
    };
  if (origin === 'string') {
    return bound === 'at least'
      ? { path, problem: 'the value is empty', fix: 'write a value, or remove the key to use the default' }
      : { path, problem: `longer than ${limit} characters`, fix: 'shorten it' };
  }
  return {
    path,
    problem: `expected ${bound} ${limit}, got ${describe(value)}`,
    fix: `use ${limit} or ${bound === 'at least' ? 'more' : 'less'}`,
  };
}

// Zod's type names, as a YAML author reads them.
function typeName(expected: string): string {
  return expected === 'int' ? 'integer' : expected === 'object' ? 'mapping' : expected === 'array' ? 'list' : expected;
}

// How to write a value of the expected type.
function typeFix(expected: string): string {
  if (expected === 'number' || expected === 'int') return 'write a number without quotes';
  if (expected === 'boolean') return 'write true or false';
  if (expected === 'string') return 'write text (quote it if it looks like a number or boolean)';
  if (expected === 'array') return 'write a list, e.g. [a, b]';
  if (expected === 'object') return 'write a mapping of keys to values';
  return `write a ${typeName(expected)}`;
}

// The type of a value (the value itself for a non-integer where an integer was expected).
function describe(value: unknown, expected?: string): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return expected === 'int' || expected === undefined ? String(value) : 'number';
  return typeof value === 'object' ? 'mapping' : typeof value;
}

// "a, b or c"
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? 'value') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

// The value found at a path of the input, if any.
function valueAt(input: unknown, path: Path): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A YAML path as written in issues: `restore.targets[1].checks[0]`; the whole document is `<root>`. */
export function formatPath(path: Path): string {
  const text = path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
  return text === '' ? ROOT : text;
}

// Fixture files of a managed source that do not exist.
async function missingFixtures(scenario: Scenario, cwd: string): Promise<ScenarioIssue[]> {
  if (scenario.source.kind !== 'managed') return [];
  const found = await Promise.all(
    scenario.source.fixtures.map((fixture) =>
      stat(fixture).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  );
  return scenario.source.fixtures.flatMap((fixture, index) =>
    found[index]
      ? []
      : [
          {
            path: `source.managed.fixtures[${index}]`,
            problem: `fixture file not found: ${fixture}`,
            fix: `create it, or fix the path (relative paths resolve against ${cwd})`,
          },
        ],
  );
}

// The error thrown for a scenario with issues: one line per issue.
function scenarioError(file: string, issues: ScenarioIssue[], cause?: unknown): ScenarioError {
  const lines = [...new Set(issues.map((issue) => `${file}: ${issue.path}: ${issue.problem} (fix: ${issue.fix})`))];
  return new ScenarioError(lines.join('\n'), issues, cause === undefined ? {} : { cause });
}

// Messages are lowercase (house style); zod and yaml capitalize theirs.
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
